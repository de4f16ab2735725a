package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/weir-ml/weir/httpapi"
	"github.com/weir-ml/weir/sqlstore"
	"github.com/weir-ml/weir/ui"
)

// mustWeirServer generates a small store and serves it with Weir's API and
// UI, as `weir server` wires them, on a free loopback port.
func mustWeirServer(t *testing.T) (url, uri string) {
	t.Helper()
	uri = "sqlite:///" + filepath.Join(t.TempDir(), "weir.db")
	mustGenerate(t, "weir", uri)
	db := sqlstore.NewDB(uri)
	if err := db.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	srv := httpapi.NewServer()
	srv.Addr = "127.0.0.1:0"
	srv.Tracking = sqlstore.NewTrackingService(db)
	srv.UI = ui.NewHandler(srv.Tracking, nil, nil)
	if err := srv.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv.URL(), uri
}

func TestBenchAgainstWeir(t *testing.T) {
	url, uri := mustWeirServer(t)
	out := filepath.Join(t.TempDir(), "weir.json")
	cfg, err := parseBench([]string{"-url", url, "-runs", "1500", "-points", "700", "-reps", "3", "-warmup", "1",
		"-history-page", "300", "-db", uri, "-json", out}, new(strings.Builder))
	if err != nil {
		t.Fatal(err)
	}
	var md strings.Builder
	if err := runBench(context.Background(), cfg, &md, new(strings.Builder)); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var rep benchReport
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	if got, want := len(rep.Results), len(opNames); got != want {
		t.Fatalf("got %d results, want %d", got, want)
	}
	for _, r := range rep.Results {
		if r.Errors != 0 || r.OK != 3 || r.P50Ms <= 0 || r.P99Ms < r.P50Ms {
			t.Errorf("%s: got %d ok, %d errors (%s), p50 %v, p99 %v; want 3 ok, no errors, ordered times",
				r.Key, r.OK, r.Errors, r.FirstError, r.P50Ms, r.P99Ms)
		}
	}
	if rep.Size == nil || rep.Size.PerRun <= 0 {
		t.Errorf("got size %+v, want one measured", rep.Size)
	}
	if !strings.Contains(md.String(), "| sqlite | 1500 / 700 | search runs |") {
		t.Errorf("the table has no search row for the store:\n%s", md.String())
	}
}

// A server answering other runs than the data says must show errors, not
// speed: here the driver believes the store holds fewer runs than it does.
func TestBenchCountsWrongAnswers(t *testing.T) {
	url, _ := mustWeirServer(t)
	cfg, err := parseBench([]string{"-url", url, "-runs", "1400", "-points", "600", "-reps", "2", "-warmup", "0"}, new(strings.Builder))
	if err != nil {
		t.Fatal(err)
	}
	cfg.maxTime = time.Minute
	var log strings.Builder
	if err := runBench(context.Background(), cfg, new(strings.Builder), &log); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"search", "history", "page-first", "page-sorted"} {
		if !strings.Contains(log.String(), key) || !strings.Contains(log.String(), "first error") {
			t.Errorf("no error reported for %s:\n%s", key, log.String())
		}
	}
	if got := strings.Count(log.String(), "errors  2"); got != 4 {
		t.Errorf("got %d operations with 2 errors, want 4:\n%s", got, log.String())
	}
}
