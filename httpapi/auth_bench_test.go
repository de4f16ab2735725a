package httpapi_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/weir-ml/weir/auth"
	"github.com/weir-ml/weir/httpapi"
	"github.com/weir-ml/weir/tracking"
)

// BenchmarkAuth times the tracking calls of the E2E benchmarks over HTTP
// with auth off and on (as the admin, as a user with an EDIT grant, and
// with a bearer token), so that what auth costs is read off one table:
//
//	go test ./httpapi -run '^$' -bench Auth -benchtime 2000x
func BenchmarkAuth(b *testing.B) {
	modes := []string{"off", "admin", "user", "token"}
	for _, mode := range modes {
		c, expID := authBenchClient(b, mode)
		ctx := context.Background()
		run, err := c.CreateRun(ctx, tracking.RunCreate{ExperimentID: expID})
		if err != nil {
			b.Fatal(err)
		}
		runID := run.Info.RunID
		metrics := make([]tracking.Metric, 10)
		b.Run(mode+"/log-metric", func(b *testing.B) {
			i := int64(0)
			for b.Loop() {
				i++
				if err := c.LogMetric(ctx, runID, tracking.Metric{Key: "m", Value: 1, Timestamp: i, Step: i}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(mode+"/log-batch-10", func(b *testing.B) {
			i := int64(0)
			for b.Loop() {
				for j := range metrics {
					i++
					metrics[j] = tracking.Metric{Key: fmt.Sprint("k", j), Value: 1, Timestamp: i, Step: i}
				}
				if err := c.LogBatch(ctx, runID, metrics, nil, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(mode+"/create-run", func(b *testing.B) {
			for b.Loop() {
				if _, err := c.CreateRun(ctx, tracking.RunCreate{ExperimentID: expID}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(mode+"/get-run", func(b *testing.B) {
			for b.Loop() {
				if _, err := c.GetRun(ctx, runID); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(mode+"/search-runs", func(b *testing.B) {
			for b.Loop() {
				if _, _, err := c.SearchRuns(ctx, tracking.RunSearch{ExperimentIDs: []string{expID}, MaxResults: 10}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// authBenchClient starts a server for one mode and returns a client with
// that mode's credentials and an experiment it may write to.
func authBenchClient(b testing.TB, mode string) (*httpapi.Client, string) {
	b.Helper()
	ctx := context.Background()
	if mode == "off" || mode == "off2" {
		srv, _ := MustOpenServer(b)
		c := httpapi.NewClient(srv.URL())
		id, err := c.CreateExperiment(ctx, "bench", "", nil)
		if err != nil {
			b.Fatal(err)
		}
		return c, id
	}
	s := MustOpenAuthServer(b, "", auth.Read)
	admin := httpapi.NewClient(s.url)
	admin.Username, admin.Password = "admin", adminPassword
	id, err := admin.CreateExperiment(ctx, "bench", "", nil)
	if err != nil {
		b.Fatal(err)
	}
	switch mode {
	case "admin":
		return admin, id
	case "user", "token":
		u := s.mustUser("bencher")
		s.must(adminCred, "POST", "/api/2.0/mlflow/experiments/permissions/create",
			map[string]any{"experiment_id": id, "username": "bencher", "permission": "EDIT"})
		c := httpapi.NewClient(s.url)
		if mode == "user" {
			c.Username, c.Password = u.user, u.password
			return c, id
		}
		c.Token = s.must(u, "POST", "/api/2.0/weir/tokens/create", map[string]any{"name": "bench"})["secret"].(string)
		return c, id
	}
	b.Fatalf("unknown mode %q", mode)
	return nil, ""
}

// TestAuthOverhead measures what auth adds to the tracking calls on a
// shared, noisy machine: the modes take turns, round after round, and each
// keeps its fastest round, so a burst of load elsewhere does not land on
// one mode only. It runs only with WEIR_AUTH_BENCH=1 and fails past the
// issue's bar (auth within 10% of off).
//
//	WEIR_AUTH_BENCH=1 go test ./httpapi -run TestAuthOverhead -v
func TestAuthOverhead(t *testing.T) {
	if os.Getenv("WEIR_AUTH_BENCH") == "" {
		t.Skip("set WEIR_AUTH_BENCH=1 to measure")
	}
	const rounds, calls = 15, 200
	type target struct {
		c     *httpapi.Client
		runID string
		exp   string
	}
	// off2 is a second server without auth: its distance from off is the
	// noise floor of the measurement.
	modes := []string{"off", "off2", "admin", "user", "token"}
	targets := map[string]target{}
	ctx := context.Background()
	for _, m := range modes {
		c, exp := authBenchClient(t, m)
		run, err := c.CreateRun(ctx, tracking.RunCreate{ExperimentID: exp})
		if err != nil {
			t.Fatal(err)
		}
		targets[m] = target{c, run.Info.RunID, exp}
	}
	ops := []struct {
		name string
		fn   func(tg target, i int64) error
	}{
		{"log-metric", func(tg target, i int64) error {
			return tg.c.LogMetric(ctx, tg.runID, tracking.Metric{Key: "m", Value: 1, Timestamp: i, Step: i})
		}},
		{"get-run", func(tg target, i int64) error { _, err := tg.c.GetRun(ctx, tg.runID); return err }},
		{"search-runs", func(tg target, i int64) error {
			_, _, err := tg.c.SearchRuns(ctx, tracking.RunSearch{ExperimentIDs: []string{tg.exp}, MaxResults: 10})
			return err
		}},
	}
	for _, op := range ops {
		best := map[string]time.Duration{}
		i := int64(0)
		for range rounds {
			for _, m := range modes {
				start := time.Now()
				for range calls {
					i++
					if err := op.fn(targets[m], i); err != nil {
						t.Fatal(err)
					}
				}
				if d := time.Since(start) / calls; best[m] == 0 || d < best[m] {
					best[m] = d
				}
			}
		}
		for _, m := range modes[1:] {
			ratio := float64(best[m]) / float64(best["off"])
			t.Logf("%-11s %-5s %8v/call vs off %8v/call: %+.1f%%", op.name, m, best[m], best["off"], 100*(ratio-1))
			if m != "off2" && ratio > 1.10 {
				t.Errorf("%s with auth (%s) costs %+.1f%% over auth off, want within 10%%", op.name, m, 100*(ratio-1))
			}
		}
	}
}
