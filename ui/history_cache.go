package ui

import (
	"sync"
	"time"

	"github.com/weir-ml/weir/tracking"
)

// historyCache keeps the last few metric histories a chart read, so that
// zooming, switching the x axis or smoothing, which ask again within
// seconds, do not read 100,000 rows from the store again. An entry is used
// only while young, while the run's latest value of the key is the one
// seen when it was read, and while the store holds no point beyond it
// (Handler.historyComplete), so a run that logs more, through this server
// or another sharing the database, is read afresh.
type historyCache struct {
	mu      sync.Mutex
	entries map[historyKey]historyEntry
	ttl     time.Duration
	max     int
}

type historyKey struct{ run, key string }

type historyEntry struct {
	latest tracking.Metric
	hist   []tracking.Metric
	at     time.Time
}

func newHistoryCache() *historyCache {
	return &historyCache{entries: map[historyKey]historyEntry{}, ttl: time.Minute, max: 16}
}

func (c *historyCache) get(run, key string, latest tracking.Metric) ([]tracking.Metric, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[historyKey{run, key}]
	if !ok || time.Since(e.at) > c.ttl || !sameMetric(e.latest, latest) {
		return nil, false
	}
	return e.hist, true
}

func (c *historyCache) put(run, key string, latest tracking.Metric, hist []tracking.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.max { // drop the oldest
		var oldest historyKey
		first := true
		for k, e := range c.entries {
			if first || e.at.Before(c.entries[oldest].at) {
				oldest, first = k, false
			}
		}
		delete(c.entries, oldest)
	}
	c.entries[historyKey{run, key}] = historyEntry{latest: latest, hist: hist, at: time.Now()}
}

func sameMetric(a, b tracking.Metric) bool {
	return a.Step == b.Step && a.Timestamp == b.Timestamp &&
		(a.Value == b.Value || (a.Value != a.Value && b.Value != b.Value)) // NaN equals NaN here
}

// latestOf returns the run's latest value of key, as the store reports it.
func latestOf(run *tracking.Run, key string) (tracking.Metric, bool) {
	for _, m := range run.Data.Metrics {
		if m.Key == key {
			return m, true
		}
	}
	return tracking.Metric{}, false
}
