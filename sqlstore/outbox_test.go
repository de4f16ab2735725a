package sqlstore

import (
	"context"
	"encoding/json"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/weir-ml/weir/registry"
	"github.com/weir-ml/weir/webhook"
)

// testOutbox: registry changes raise one outbox row per subscribed active
// webhook in their own transaction, with MLflow's payload data; a claim
// leases rows, a finish retires or reschedules them, and a lease that
// passes frees the row for another server.
func testOutbox(t *testing.T, db *DB) {
	ctx := context.Background()
	clock := time.UnixMilli(1_700_000_000_000)
	db.Now = func() time.Time { return clock }
	reg := NewRegistryService(db)
	// The relays hear of a commit that added deliveries, and only of one.
	var wakes int
	reg.NotifyDeliveries(func() { wakes++ })
	wakesAfter := func(what string, want int) {
		t.Helper()
		if wakes != want {
			t.Errorf("after %s: %d wakes, want %d", what, wakes, want)
		}
	}
	hook, err := reg.CreateWebhook(ctx, registry.Webhook{Name: "h", URL: "https://r.example/hook", Secret: "s",
		Events: []registry.WebhookEvent{{Entity: "MODEL_VERSION", Action: "CREATED"}, {Entity: "MODEL_VERSION_ALIAS", Action: "CREATED"},
			{Entity: "PROMPT_TAG", Action: "SET"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reg.CreateWebhook(ctx, registry.Webhook{Name: "off", URL: "https://r.example/off", Status: registry.WebhookDisabled,
		Events: []registry.WebhookEvent{{Entity: "MODEL_VERSION", Action: "CREATED"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := reg.CreateRegisteredModel(ctx, "m", "", nil); err != nil {
		t.Fatal(err)
	}
	wakesAfter("a model no webhook listens for", 0)
	if _, err := reg.CreateModelVersion(ctx, registry.VersionCreate{Name: "m", Source: "s3://b/m"}); err != nil {
		t.Fatal(err)
	}
	wakesAfter("a version", 1)
	if err := reg.SetRegisteredModelAlias(ctx, "m", "champion", "9"); err == nil {
		t.Fatal("alias to a missing version succeeded")
	}
	wakesAfter("a failed alias", 1)
	if err := reg.SetRegisteredModelTag(ctx, "m", registry.Tag{Key: "k", Value: "v"}); err != nil {
		t.Fatal(err) // a model's own tag: no event
	}
	wakesAfter("a model's own tag", 1)

	claimed, err := reg.ClaimDeliveries(ctx, 10, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if len(claimed) != 1 {
		t.Fatalf("claimed %d deliveries, want 1 (the version; not the failed alias, the model tag or the disabled hook)", len(claimed))
	}
	c := claimed[0]
	data, _ := json.Marshal(c.Data)
	const wantData = `{"name":"m","version":"1","source":"s3://b/m","run_id":null,"tags":{},"description":null}`
	if string(data) != wantData || c.Event != webhook.VersionCreated || c.Target.ID != hook.ID ||
		c.Target.URL != "https://r.example/hook" || c.Target.Secret != "s" || len(c.ID) != 36 || c.Attempt != 1 ||
		!c.Time.Equal(clock) {
		t.Errorf("claimed %+v with data %s, want data %s for %s, attempt 1", c, data, wantData, hook.ID)
	}
	if again, err := reg.ClaimDeliveries(ctx, 10, time.Minute); err != nil || len(again) != 0 {
		t.Errorf("claim while leased: got %d, %v; want none", len(again), err)
	}

	// A retry is due at its time, with the same delivery ID.
	if err := reg.FinishDelivery(ctx, c, webhook.Result{Status: 503}, clock.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if early, _ := reg.ClaimDeliveries(ctx, 10, time.Minute); len(early) != 0 {
		t.Errorf("claim before the retry is due: got %d, want none", len(early))
	}
	clock = clock.Add(time.Second)
	retry, err := reg.ClaimDeliveries(ctx, 10, time.Minute)
	if err != nil || len(retry) != 1 || retry[0].ID != c.ID || retry[0].Attempt != 2 {
		t.Fatalf("retry claim: got %+v, %v; want %s at attempt 2", retry, err, c.ID)
	}

	// A server that dies holding the lease: another claims it after it.
	clock = clock.Add(time.Minute)
	stolen, err := reg.ClaimDeliveries(ctx, 10, time.Minute)
	if err != nil || len(stolen) != 1 || stolen[0].ID != c.ID || stolen[0].Attempt != 3 || stolen[0].Claim == retry[0].Claim {
		t.Fatalf("claim after the lease: got %+v, %v; want %s at attempt 3 under a new claim", stolen, err, c.ID)
	}
	// The late finish of the first server changes nothing.
	if err := reg.FinishDelivery(ctx, retry[0], webhook.Result{Status: 200}, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if err := reg.FinishDelivery(ctx, stolen[0], webhook.Result{Status: 200}, time.Time{}); err != nil {
		t.Fatal(err)
	}
	clock = clock.Add(time.Hour)
	if left, _ := reg.ClaimDeliveries(ctx, 10, time.Minute); len(left) != 0 {
		t.Errorf("claim after the delivery is done: got %d, want none", len(left))
	}

	// A prompt's tag raises PROMPT_TAG.SET.
	if err := reg.SetRegisteredModelTag(ctx, "m", registry.Tag{Key: webhook.PromptTag, Value: "true"}); err != nil {
		t.Fatal(err)
	}
	p, err := reg.ClaimDeliveries(ctx, 10, time.Minute)
	if err != nil || len(p) != 1 || p[0].Event != webhook.PromptTagSet {
		t.Fatalf("prompt tag: got %+v, %v; want one PROMPT_TAG.SET", p, err)
	}
}

func TestOutboxSQLite(t *testing.T) {
	testOutbox(t, mustOpen(t, "sqlite:///"+filepath.Join(t.TempDir(), "weir.db")))
}

func TestOutboxPostgres(t *testing.T) { testOutbox(t, MustOpenPostgres(t)) }

// TestOutboxClaimsDisjointPostgres: servers claiming at once from one
// database (FOR UPDATE SKIP LOCKED) never get the same delivery, and
// between them get every one.
func TestOutboxClaimsDisjointPostgres(t *testing.T) {
	uri := mustPostgresSchema(t)
	ctx := context.Background()
	regs := []*RegistryService{NewRegistryService(mustOpen(t, uri)), NewRegistryService(mustOpen(t, uri)),
		NewRegistryService(mustOpen(t, uri))}
	if _, err := regs[0].CreateWebhook(ctx, registry.Webhook{Name: "h", URL: "https://r.example/hook",
		Events: []registry.WebhookEvent{{Entity: "MODEL_VERSION", Action: "CREATED"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := regs[0].CreateRegisteredModel(ctx, "m", "", nil); err != nil {
		t.Fatal(err)
	}
	const events = 60
	for range events {
		if _, err := regs[0].CreateModelVersion(ctx, registry.VersionCreate{Name: "m", Source: "s3://b/m"}); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	for _, reg := range regs {
		for range 2 {
			wg.Go(func() {
				for {
					claimed, err := reg.ClaimDeliveries(ctx, 4, time.Minute)
					if err != nil {
						t.Error(err)
						return
					}
					if len(claimed) == 0 {
						return
					}
					for _, c := range claimed {
						mu.Lock()
						seen[c.ID]++
						mu.Unlock()
						if err := reg.FinishDelivery(ctx, c, webhook.Result{Status: 200}, time.Time{}); err != nil {
							t.Error(err)
						}
					}
				}
			})
		}
	}
	wg.Wait()
	if len(seen) != events {
		t.Errorf("claimed %d distinct deliveries, want %d", len(seen), events)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("delivery %s claimed %d times, want once", id, n)
		}
	}
}
