package sqlstore

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/weir-ml/weir/tracking"
)

// kvPlanTTL is how long a search remembers whether a tag or metadata
// comparison is common. The choice only picks how a search walks the
// traces, never what it answers, so a stale one costs time, not results.
const kvPlanTTL = 10 * time.Second

// maxKVPlans bounds the remembered choices; past it they are all dropped.
const maxKVPlans = 1024

// kvPlans remembers commonKV's answers for kvPlanTTL. Counting up to
// commonTagMatches rows took an eighth of a tag search over 100,000
// traces, and a table of traces asks the same question page after page.
type kvPlans struct {
	mu   sync.Mutex
	seen map[string]kvPlan
}

type kvPlan struct {
	common bool
	at     time.Time
}

// common reports whether c is a common comparison (commonKV), from memory
// when it was counted less than kvPlanTTL ago.
func (p *kvPlans) common(ctx context.Context, tx *txn, d dialect, c tracking.Comparison) (bool, error) {
	key := fmt.Sprintf("%s %q %s %d %q %v %q", kvTable(c), c.Key, c.Op, c.Value.Kind, c.Value.Str, c.Value.Num, c.Value.List)
	now := time.Now()
	p.mu.Lock()
	got, ok := p.seen[key]
	p.mu.Unlock()
	if ok && now.Sub(got.at) < kvPlanTTL {
		return got.common, nil
	}
	common, err := commonKV(ctx, tx, d, c)
	if err != nil {
		return false, err
	}
	p.mu.Lock()
	if p.seen == nil || len(p.seen) >= maxKVPlans {
		p.seen = map[string]kvPlan{}
	}
	p.seen[key] = kvPlan{common: common, at: now}
	p.mu.Unlock()
	return common, nil
}
