package main

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/weir-ml/weir/sqlstore"
	"github.com/weir-ml/weir/tracking"
)

// A small store: enough runs that the search matches a full page.
const (
	testRuns   = 1500
	testPoints = 700
)

// mustGenerate generates a small store, failing the test on error.
func mustGenerate(t *testing.T, schema, uri string) {
	t.Helper()
	var log strings.Builder
	if err := generate(context.Background(), genConfig{schema: schema, uri: uri, runs: testRuns, points: testPoints}, &log); err != nil {
		t.Fatalf("generate %s: %v\n%s", schema, err, log.String())
	}
}

func TestGenerateWeirSQLite(t *testing.T) {
	testGenerateWeir(t, "sqlite:///"+filepath.Join(t.TempDir(), "weir.db"))
}

func TestGenerateWeirPostgres(t *testing.T) {
	testGenerateWeir(t, postgresSchemaURI(t))
}

// testGenerateWeir generates a store, then reads it back through Weir's own
// store: a schema change the generator missed shows up here.
func testGenerateWeir(t *testing.T, uri string) {
	mustGenerate(t, "weir", uri)
	ctx := context.Background()
	db := sqlstore.NewDB(uri)
	if err := db.Open(ctx); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s := sqlstore.NewTrackingService(db)

	checkCounts(t, uri)

	const r = 1234
	run, err := s.GetRun(ctx, runID(r))
	if err != nil {
		t.Fatalf("GetRun(run %d): %v", r, err)
	}
	if got, want := run.Info.ExperimentID, fmt.Sprint(runExperiment(r)); got != want {
		t.Errorf("run %d: got experiment %s, want %s", r, got, want)
	}
	if got, want := run.Info.StartTime, runStart(r); got != want {
		t.Errorf("run %d: got start time %d, want %d", r, got, want)
	}
	if got, want := len(run.Data.Params), numParams; got != want {
		t.Errorf("run %d: got %d params, want %d", r, got, want)
	}
	for _, p := range run.Data.Params {
		var k int
		fmt.Sscanf(p.Key, "p%d", &k)
		if want := paramValue(r, k); p.Value != want {
			t.Errorf("run %d param %s: got %q, want %q", r, p.Key, p.Value, want)
		}
	}
	for _, m := range run.Data.Metrics {
		var k int
		fmt.Sscanf(m.Key, "m%d", &k)
		if want := metricValue(r, k); m.Value != want {
			t.Errorf("run %d metric %s: got %v, want %v", r, m.Key, m.Value, want)
		}
	}
	if got, want := len(run.Data.Metrics), numMetrics; got != want {
		t.Errorf("run %d: got %d metrics, want %d", r, got, want)
	}

	runs, _, err := s.SearchRuns(ctx, tracking.RunSearch{ExperimentIDs: []string{"1", "2", "3"},
		Filter: searchFilter, OrderBy: []string{searchOrder}, MaxResults: searchPage})
	if err != nil {
		t.Fatalf("SearchRuns: %v", err)
	}
	want, matched := expectedSearch(testRuns, searchPage)
	if matched < searchPage {
		t.Fatalf("the search matches %d runs of %d, want at least a page of %d", matched, testRuns, searchPage)
	}
	if err := sameRuns("SearchRuns", runIDs(runs), want); err != nil {
		t.Error(err)
	}
	runs, _, err = s.SearchRuns(ctx, tracking.RunSearch{ExperimentIDs: []string{"1"}, MaxResults: searchPage})
	if err != nil {
		t.Fatalf("SearchRuns: %v", err)
	}
	if err := sameRuns("SearchRuns in the default order", runIDs(runs), expectedPage(testRuns, searchPage)); err != nil {
		t.Error(err)
	}

	hist, _, err := s.GetMetricHistory(ctx, tracking.MetricHistoryQuery{RunID: historyRunID(), Key: historyKey})
	if err != nil {
		t.Fatalf("GetMetricHistory: %v", err)
	}
	if got := len(hist); got != testPoints {
		t.Fatalf("got %d history points, want %d", got, testPoints)
	}
	for s, m := range hist {
		if m.Step != int64(s) || m.Value != historyValue(s) || m.Timestamp != historyTime(s) {
			t.Fatalf("history point %d: got step %d value %v time %d, want step %d value %v time %d",
				s, m.Step, m.Value, m.Timestamp, s, historyValue(s), historyTime(s))
		}
	}
}

func runIDs(runs []*tracking.Run) []string {
	ids := make([]string, len(runs))
	for i, r := range runs {
		ids[i] = r.Info.RunID
	}
	return ids
}

// checkCounts checks every table's row count and the size measurement.
func checkCounts(t *testing.T, uri string) {
	t.Helper()
	ctx := context.Background()
	b, err := openBulk(ctx, uri, false)
	if err != nil {
		t.Fatal(err)
	}
	defer b.close()
	for _, c := range []struct {
		table string
		want  int
	}{
		{"runs", testRuns + 1},
		{"params", testRuns * numParams},
		{"tags", testRuns*numTags + 1},
		{"metrics", testRuns*numMetrics + testPoints},
		{"latest_metrics", testRuns*numMetrics + 1},
	} {
		got, err := b.count(ctx, c.table)
		if err != nil {
			t.Fatal(err)
		}
		if got != c.want {
			t.Errorf("%s: got %d rows, want %d", c.table, got, c.want)
		}
	}
	sz, err := measureSize(ctx, uri, testRuns, testPoints)
	if err != nil {
		t.Fatal(err)
	}
	if sz.PerPoint < 16 || sz.PerPoint > 1000 || sz.PerRun < sz.PerPoint*numMetrics || sz.PerRun > 100_000 {
		t.Errorf("got %.0f bytes per run and %.0f per point: not plausible", sz.PerRun, sz.PerPoint)
	}
}

// MLflow's schema comes from MLflow itself, so this test needs Python with
// mlflow: WEIR_MLFLOW_PYTHON, or the project's venv where it usually is.
func TestGenerateMLflowSQLite(t *testing.T) {
	python := os.Getenv("WEIR_MLFLOW_PYTHON")
	if python == "" {
		python = "/work/main/.venv/bin/python"
	}
	if _, err := os.Stat(python); err != nil {
		t.Skipf("no Python with mlflow (set WEIR_MLFLOW_PYTHON): %v", err)
	}
	path := filepath.Join(t.TempDir(), "mlflow.db")
	uri := "sqlite:///" + path
	if out, err := exec.Command(python, "-m", "mlflow", "db", "upgrade", uri).CombinedOutput(); err != nil {
		t.Fatalf("mlflow db upgrade: %v\n%s", err, out)
	}
	mustGenerate(t, "mlflow", uri)
	checkCounts(t, uri)

	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const r = 1234
	var exp int
	var start int64
	if err := db.QueryRow(`SELECT experiment_id, start_time FROM runs WHERE run_uuid = ?`, runID(r)).Scan(&exp, &start); err != nil {
		t.Fatalf("run %d: %v", r, err)
	}
	if exp != runExperiment(r) || start != runStart(r) {
		t.Errorf("run %d: got experiment %d, start %d; want %d, %d", r, exp, start, runExperiment(r), runStart(r))
	}
	var p3 string
	var m4 float64
	if err := db.QueryRow(`SELECT value FROM params WHERE run_uuid = ? AND key = 'p3'`, runID(r)).Scan(&p3); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`SELECT value FROM latest_metrics WHERE run_uuid = ? AND key = 'm4'`, runID(r)).Scan(&m4); err != nil {
		t.Fatal(err)
	}
	if p3 != paramValue(r, 3) || m4 != metricValue(r, 4) {
		t.Errorf("run %d: got p3 %q, m4 %v; want %q, %v", r, p3, m4, paramValue(r, 3), metricValue(r, 4))
	}
	var names []string
	rows, err := db.Query(`SELECT name FROM experiments ORDER BY experiment_id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		rows.Scan(&n)
		names = append(names, n)
	}
	rows.Close()
	if want := []string{"Default", "scale-1", "scale-2", "scale-3", "scale-history"}; !slices.Equal(names, want) {
		t.Errorf("got experiments %q, want %q", names, want)
	}
}

func TestGenerateRefusesAFullStore(t *testing.T) {
	uri := "sqlite:///" + filepath.Join(t.TempDir(), "weir.db")
	mustGenerate(t, "weir", uri)
	err := generate(context.Background(), genConfig{schema: "weir", uri: uri, runs: 10, points: 10}, new(strings.Builder))
	if err == nil || !strings.Contains(err.Error(), "already holds") {
		t.Errorf("got %v, want an error saying the store already holds runs", err)
	}
}

// postgresSchemaURI returns a URI on a fresh schema of the database
// WEIR_TEST_POSTGRES_URL names (dropped when the test ends), or skips.
func postgresSchemaURI(t *testing.T) string {
	base := os.Getenv("WEIR_TEST_POSTGRES_URL")
	if base == "" {
		t.Skip("WEIR_TEST_POSTGRES_URL is not set; run tests/postgres/postgres.sh start DIR PORT for a server")
	}
	ctx := context.Background()
	schema := fmt.Sprintf("weir_scale_%016x", rand.Uint64())
	b, err := openBulk(ctx, base, false)
	if err != nil {
		t.Fatal(err)
	}
	defer b.close()
	if err := b.exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		b, err := openBulk(ctx, base, false)
		if err != nil {
			t.Error(err)
			return
		}
		defer b.close()
		if err := b.exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Error(err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
