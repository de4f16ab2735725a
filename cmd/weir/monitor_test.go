//go:build !weir_serve

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/weir-ml/weir/ml/frame"
	"github.com/weir-ml/weir/monitor"
	"github.com/weir-ml/weir/sqlstore"
	"github.com/weir-ml/weir/tracking"
	"github.com/weir-ml/weir/webhook"
)

// mustMonitorCSV writes n rows shaped like serveCSV; shifted moves the job
// mix to students and raises balances, which the drift tests must see.
func mustMonitorCSV(t *testing.T, path string, n int, shifted bool, seed uint64) {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 1))
	var b strings.Builder
	b.WriteString("age,job,balance,y\n")
	jobs := []string{"manager", "worker", "student"}
	for i := 0; i < n; i++ {
		job := jobs[r.IntN(3)]
		bal := r.IntN(3000)
		if shifted {
			if r.IntN(4) > 0 {
				job = "student"
			}
			bal += 2000
		}
		y := "no"
		if job == "manager" && r.IntN(4) > 0 || r.IntN(6) == 0 {
			y = "yes"
		}
		fmt.Fprintf(&b, "%d,%s,%d,%s\n", 20+r.IntN(45), job, bal, y)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestMonitorReportCSV(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "model")
	mustSaveModel(t, model, 5)
	ref, same, shifted := filepath.Join(dir, "ref.csv"), filepath.Join(dir, "same.csv"), filepath.Join(dir, "shifted.csv")
	mustMonitorCSV(t, ref, 600, false, 1)
	mustMonitorCSV(t, same, 600, false, 2)
	mustMonitorCSV(t, shifted, 600, true, 3)
	rules := filepath.Join(dir, "rules.json")
	if err := os.WriteFile(rules, []byte(`{"rules": [{"name": "job mix", "kind": "feature", "column": "job"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	store := "sqlite:///" + filepath.Join(dir, "weir.db")
	ctx := context.Background()
	args := func(cur, out string) []string {
		return []string{"monitor", "report", "-m", model, "--current", cur, "--reference", ref, "--rules", rules,
			"--out", out, "--tracking-uri", store, "--artifacts-destination", filepath.Join(dir, "artifacts")}
	}

	if _, err := runMain(t, ctx, args(same, filepath.Join(dir, "same"))...); err != nil {
		t.Fatalf("report on data like the reference: %v", err)
	}
	_, err := runMain(t, ctx, args(shifted, filepath.Join(dir, "shifted"))...)
	var fired *alertsFired
	if !errors.As(err, &fired) {
		t.Fatalf("report on shifted data: err = %v, want alerts fired", err)
	}
	if got, want := err.Error(), "1 alert(s) fired: job mix"; got != want {
		t.Errorf("summary = %q, want %q", got, want)
	}
	b, err := os.ReadFile(filepath.Join(dir, "shifted", "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rep monitor.Report
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if c := rep.Drift.Column("balance"); c == nil || !c.Drifted {
		t.Errorf("balance drift = %+v, want drifted", c)
	}
	if rep.Drift.Target == nil || rep.Drift.Prediction == nil {
		t.Errorf("target and prediction drift missing: %+v %+v", rep.Drift.Target, rep.Drift.Prediction)
	}
	if _, err := os.Stat(filepath.Join(dir, "shifted", "report.html")); err != nil {
		t.Error(err)
	}

	// Both reports are runs of the monitoring experiment, with the figures.
	db := sqlstore.NewDB(store)
	if err := db.Open(ctx); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ts := sqlstore.NewTrackingService(db)
	exp, err := ts.GetExperimentByName(ctx, "weir-monitoring/model")
	if err != nil {
		t.Fatal(err)
	}
	runs, _, err := ts.SearchRuns(ctx, tracking.RunSearch{ExperimentIDs: []string{exp.ID}, MaxResults: 10})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(runs), 2; got != want {
		t.Fatalf("%d monitoring runs, want %d", got, want)
	}
	keys := map[string]bool{}
	for _, m := range runs[0].Data.Metrics {
		keys[m.Key] = true
	}
	for _, k := range []string{"drift_share", "drift.job", "drift.balance", "drift.age", "window.roc_auc"} {
		if !keys[k] {
			t.Errorf("metric %s not logged (have %v)", k, keys)
		}
	}
}

func TestMonitorReportBadInput(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "model")
	mustSaveModel(t, model, 3)
	cur := filepath.Join(dir, "cur.csv")
	mustMonitorCSV(t, cur, 50, false, 1)
	badRules := filepath.Join(dir, "rules.json")
	os.WriteFile(badRules, []byte(`{"rules": [{"name": "x", "kind": "drift_share", "abov": 0.5}]}`), 0o644)
	tests := []struct {
		name string
		args []string
	}{
		{"missing current", []string{"--current", filepath.Join(dir, "nope.csv"), "--reference", cur}},
		{"no reference", []string{"--current", cur}},
		{"misspelt rule", []string{"--current", cur, "--reference", cur, "--rules", badRules}},
		{"empty log dir", []string{"--current", t.TempDir(), "--reference", cur}},
		{"unknown test", []string{"--current", cur, "--reference", cur, "--stattest", "age=t_test"}},
		{"test of no column", []string{"--current", cur, "--reference", cur, "--stattest", "agee=psi"}},
		{"bad threshold", []string{"--current", cur, "--reference", cur, "--stattest-threshold", "age=-1"}},
		{"no time column", []string{"--current", cur, "--reference", cur, "--time-column", "when"}},
		{"time column not times", []string{"--current", cur, "--reference", cur, "--time-column", "job"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"monitor", "report", "-m", model, "--no-log", "--out", filepath.Join(dir, "out")}, tt.args...)
			_, err := runMain(t, context.Background(), args...)
			var ue *usageError
			if !errors.As(err, &ue) {
				t.Errorf("err = %v, want a usage error (exit 2)", err)
			}
		})
	}
}

// TestMonitorReportStattestAndYAMLRules chooses tests per column, as
// Evidently's per_column_stattest, and reads the alert rules as YAML.
func TestMonitorReportStattestAndYAMLRules(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "model")
	mustSaveModel(t, model, 5)
	ref, shifted := filepath.Join(dir, "ref.csv"), filepath.Join(dir, "shifted.csv")
	mustMonitorCSV(t, ref, 600, false, 1)
	mustMonitorCSV(t, shifted, 600, true, 3)
	rules := filepath.Join(dir, "rules.yaml")
	os.WriteFile(rules, []byte("rules:\n  - name: balance psi\n    kind: feature\n    column: balance\n    above: 0.25\n"), 0o644)
	out := filepath.Join(dir, "out")
	_, err := runMain(t, context.Background(), "monitor", "report", "-m", model, "--current", shifted, "--reference", ref,
		"--no-log", "--out", out, "--rules", rules,
		"--stattest", "balance=psi", "--stattest", "*=hellinger", "--stattest-threshold", "age=0.3")
	var fired *alertsFired
	if !errors.As(err, &fired) || len(fired.alerts) != 1 || fired.alerts[0].Rule != "balance psi" {
		t.Fatalf("err = %v, want the YAML rule fired", err)
	}
	b, err := os.ReadFile(filepath.Join(out, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rep monitor.Report
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		col       string
		method    monitor.Method
		threshold float64
	}{
		{"balance", monitor.PSIMethod, 0.1},
		{"job", monitor.Hellinger, 0.1},
		{"age", monitor.Hellinger, 0.3},
	} {
		c := rep.Drift.Column(tt.col)
		if c == nil || c.Method != tt.method || c.Threshold != tt.threshold {
			t.Errorf("%s: %+v, want %s at %v", tt.col, c, tt.method, tt.threshold)
		}
	}
}

// mustInferenceLog writes n logged rows in the scoring server's format, a
// row per request, one minute apart, and returns the request ids.
func mustInferenceLog(t *testing.T, path string, n int) []string {
	t.Helper()
	var b strings.Builder
	var ids []string
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("req-%03d", i)
		ids = append(ids, id)
		p := 0.1 + 0.8*float64(i%10)/9
		fmt.Fprintf(&b, `{"request_id":%q,"timestamp":%q,"model_name":"bank","model_version":"1","row":0,"inputs":{"age":%d,"job":"worker","balance":%d},"outputs":{"probability":%g,"label":"no"}}`+"\n",
			id, start.Add(time.Duration(i)*time.Minute).Format(time.RFC3339Nano), 20+i%40, 100*i, p)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return ids
}

func TestMonitorLabels(t *testing.T) {
	dir := t.TempDir()
	logDir := filepath.Join(dir, "log")
	os.Mkdir(logDir, 0o755)
	ids := mustInferenceLog(t, filepath.Join(logDir, "inference-1.jsonl"), 40)
	var b strings.Builder
	b.WriteString("request_id,row,label\n")
	for i, id := range ids[:30] {
		// Higher scores (i%10 large) are the positives: AUC 1.
		y := "no"
		if i%10 >= 5 {
			y = "yes"
		}
		fmt.Fprintf(&b, "%s,0,%s\n", id, y)
	}
	b.WriteString("req-unknown,0,yes\n")
	labels := filepath.Join(dir, "labels.csv")
	os.WriteFile(labels, []byte(b.String()), 0o644)
	joined := filepath.Join(dir, "joined.jsonl")

	out, err := runMain(t, context.Background(), "monitor", "labels", "--file", labels, "--log", logDir, "--out", joined, "--window", "20m", "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Labelled int
		Windows  []monitor.WindowPerformance
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v in %s", err, out)
	}
	if got.Labelled != 30 {
		t.Errorf("labelled = %d, want 30", got.Labelled)
	}
	if len(got.Windows) != 2 {
		t.Fatalf("%d windows, want 2", len(got.Windows))
	}
	if auc := float64(got.Windows[0].ROCAUC); auc != 1 {
		t.Errorf("first window ROC AUC = %v, want 1", auc)
	}
	data, err := os.ReadFile(joined)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != 40 || !strings.Contains(lines[0], `"label":0`) || !strings.Contains(lines[39], `"label":null`) {
		t.Errorf("joined file: %d lines, first %s, last %s", len(lines), lines[0], lines[len(lines)-1])
	}

	// Labels matching nothing are bad input.
	os.WriteFile(labels, []byte("request_id,label\nnobody,1\n"), 0o644)
	var ue *usageError
	if _, err := runMain(t, context.Background(), "monitor", "labels", "--file", labels, "--log", logDir); !errors.As(err, &ue) {
		t.Errorf("unmatched labels: err = %v, want a usage error", err)
	}
}

func TestMonitorReportInferenceLog(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "model")
	mustSaveModel(t, model, 3)
	ref := filepath.Join(dir, "ref.csv")
	mustMonitorCSV(t, ref, 300, false, 5)
	logFile := filepath.Join(dir, "inference.jsonl")
	mustInferenceLog(t, logFile, 200)
	out, err := runMain(t, context.Background(), "monitor", "report", "-m", model, "--current", logFile, "--reference", ref,
		"--no-log", "--out", dir, "--window", "1h")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "drift share") {
		t.Errorf("output %q", out)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "report.json"))
	var rep monitor.Report
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	// Every logged job is "worker": the job mix drifted.
	if c := rep.Drift.Column("job"); c == nil || !c.Drifted {
		t.Errorf("job drift = %+v, want drifted", c)
	}
	if got, want := len(rep.Windows), 4; got != want {
		t.Errorf("%d windows of an hour over 200 minutes, want %d", got, want)
	}
}

func TestMonitorReportAlertWebhook(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "model")
	mustSaveModel(t, model, 3)
	ref, cur := filepath.Join(dir, "ref.csv"), filepath.Join(dir, "cur.csv")
	mustMonitorCSV(t, ref, 400, false, 1)
	mustMonitorCSV(t, cur, 400, true, 2)
	rules := filepath.Join(dir, "rules.json")
	os.WriteFile(rules, []byte(`{"rules": [{"name": "drift", "kind": "drift_share", "above": 0.3}]}`), 0o644)

	got := make(chan error, 4)
	attempts := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		attempts++
		if attempts == 1 { // the first attempt fails: the delivery is retried
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		body, _ := io.ReadAll(r.Body)
		if !webhook.Verify("s3cret", r.Header.Get(webhook.HeaderDeliveryID), r.Header.Get(webhook.HeaderTimestamp), body, r.Header.Get(webhook.HeaderSignature)) {
			got <- fmt.Errorf("bad signature on %s", body)
		} else if !strings.Contains(string(body), `"alerts"`) || !strings.Contains(string(body), `"drift"`) {
			got <- fmt.Errorf("payload %s lacks the alerts", body)
		} else {
			got <- nil
		}
	}))
	defer srv.Close()

	var out, errOut strings.Builder
	m := &Main{Stdout: &out, Stderr: &errOut, Getenv: func(k string) string {
		if k == "ALERT_SECRET" {
			return "s3cret"
		}
		return ""
	}}
	err := m.Run(context.Background(), []string{"monitor", "report", "-m", model, "--current", cur, "--reference", ref,
		"--rules", rules, "--no-log", "--out", dir, "--alert-webhook", srv.URL, "--alert-secret-env", "ALERT_SECRET", "--alert-allow-private"})
	var fired *alertsFired
	if !errors.As(err, &fired) {
		t.Fatalf("err = %v, want alerts fired; stderr %s", err, errOut.String())
	}
	select {
	case err := <-got:
		if err != nil {
			t.Error(err)
		}
	default:
		t.Fatalf("no delivery reached the receiver; stderr %s", errOut.String())
	}
	if attempts != 2 {
		t.Errorf("%d attempts, want 2 (one retry)", attempts)
	}
}

func TestPeriod(t *testing.T) {
	tests := []struct {
		in   string
		want monitor.WindowOptions
		ok   bool
	}{
		{"1w", monitor.WindowOptions{Period: 7 * 24 * time.Hour}, true},
		{"3d", monitor.WindowOptions{Period: 72 * time.Hour}, true},
		{"36h", monitor.WindowOptions{Period: 36 * time.Hour}, true},
		{"90m", monitor.WindowOptions{Period: 90 * time.Minute}, true},
		{"month", monitor.WindowOptions{Months: 1}, true},
		{"quarter", monitor.WindowOptions{Months: 3}, true},
		{"year", monitor.WindowOptions{Months: 12}, true},
		{"6mo", monitor.WindowOptions{Months: 6}, true},
		{"5mo", monitor.WindowOptions{}, false},
		{"0mo", monitor.WindowOptions{}, false},
		{"", monitor.WindowOptions{}, false},
		{"w", monitor.WindowOptions{}, false},
		{"0d", monitor.WindowOptions{}, false},
		{"-1h", monitor.WindowOptions{}, false},
		{"1.5w", monitor.WindowOptions{}, false},
		{"soon", monitor.WindowOptions{}, false},
	}
	for _, tt := range tests {
		var p period
		err := p.UnmarshalText([]byte(tt.in))
		if got := p.windows(); (err == nil) != tt.ok || tt.ok && got != tt.want {
			t.Errorf("period(%q) = %+v, %v; want %+v, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestMonitorReportProfileReference(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "model")
	mustSaveModel(t, model, 3)
	ref, cur := filepath.Join(dir, "ref.csv"), filepath.Join(dir, "cur.csv")
	mustMonitorCSV(t, ref, 400, false, 1)
	mustMonitorCSV(t, cur, 400, true, 2)
	f, err := frame.ReadCSVFile(ref, frame.CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := monitor.NewProfile(f, monitor.ProfileOptions{Target: "y", PositiveLabel: "yes"})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(p)
	prof := filepath.Join(dir, "profile.json")
	os.WriteFile(prof, b, 0o644)
	if _, err := runMain(t, context.Background(), "monitor", "report", "-m", model, "--current", cur, "--reference", prof, "--no-log", "--out", dir); err != nil {
		t.Fatal(err)
	}
	var rep monitor.Report
	raw, _ := os.ReadFile(filepath.Join(dir, "report.json"))
	if err := json.Unmarshal(raw, &rep); err != nil {
		t.Fatal(err)
	}
	for _, col := range []string{"balance", "job"} {
		if c := rep.Drift.Column(col); c == nil || !c.Drifted {
			t.Errorf("%s drift against the profile = %+v, want drifted", col, c)
		}
	}
	if rep.Drift.Target == nil {
		t.Error("no target drift: the yes/no reference target was not compared with the 0/1 labels")
	}
	if rep.Drift.Prediction != nil {
		t.Error("prediction drift without a reference prediction profile")
	}
}

// TestMonitorReportPythonModel monitors a LightGBM model that Python saved:
// its scorer scores the CSV, whose labels are the model's own decisions, so
// the report's ROC AUC must be 1.
func TestMonitorReportPythonModel(t *testing.T) {
	fixture := filepath.Join("..", "..", "tests", "reference", "fixtures", "lightgbm", "binary")
	var want struct {
		Columns []string    `json:"columns"`
		Rows    [][]any     `json:"rows"`
		Predict [][]float64 `json:"predict"`
	}
	b, err := os.ReadFile(filepath.Join(fixture, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var csv strings.Builder
	csv.WriteString(strings.Join(want.Columns, ",") + ",y\n")
	for rep := 0; rep < 10; rep++ {
		for i, r := range want.Rows {
			cells := make([]string, len(r))
			skip := false
			for j, v := range r {
				x, ok := v.(float64)
				skip = skip || !ok
				cells[j] = strconv.FormatFloat(x, 'g', -1, 64)
			}
			if skip {
				continue // the fixture's NaN and infinity rows
			}
			label := "0"
			if want.Predict[i][0] > 0.5 {
				label = "1"
			}
			csv.WriteString(strings.Join(cells, ",") + "," + label + "\n")
		}
	}
	cur := filepath.Join(dir, "current.csv")
	if err := os.WriteFile(cur, []byte(csv.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	_, err = runMain(t, context.Background(), "monitor", "report", "-m", fixture, "--current", cur, "--reference", cur, "--out", out,
		"--tracking-uri", "sqlite:///"+filepath.Join(dir, "weir.db"), "--artifacts-destination", filepath.Join(dir, "artifacts"))
	if err != nil {
		t.Fatal(err)
	}
	b, err = os.ReadFile(filepath.Join(out, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rep monitor.Report
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Drift == nil || rep.Drift.Prediction == nil || len(rep.Windows) == 0 {
		t.Fatalf("report has no prediction drift or windows: %s", b)
	}
	for _, w := range rep.Windows {
		if auc := float64(w.ROCAUC); auc < 0.999 {
			t.Errorf("window ROC AUC %v, want 1: the model's own decisions are the labels", auc)
		}
	}
}
