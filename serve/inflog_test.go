package serve

import (
	"bufio"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// readLog returns the log's files in name order and their decoded lines.
func readLog(t *testing.T, dir string) ([]string, []map[string]any) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "inference-*.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(files)
	var lines []map[string]any
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			var m map[string]any
			if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
				t.Fatalf("%s: %v in %s", f, err, sc.Text())
			}
			lines = append(lines, m)
		}
		fh.Close()
	}
	return files, lines
}

func TestInferenceLogThroughServer(t *testing.T) {
	dir := t.TempDir()
	l := NewInferenceLog(dir)
	s := mustServer(t, loadedFake(newFakeModel(), "7"), func(s *Server) { s.InferenceLog = l })
	r := do(t, s.Handler(), "POST", "/invocations", "application/json",
		`{"dataframe_records": [{"age": 30, "job": "a\"b\n", "balance": 1.5}, {"age": 60, "job": "c"}]}`)
	if r.code != 200 {
		t.Fatalf("%d %s", r.code, r.body)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	_, lines := readLog(t, dir)
	if len(lines) != 2 {
		t.Fatalf("%d lines, want 2", len(lines))
	}
	got := lines[1]
	if got["model_name"] != "bank" || got["model_version"] != "7" || got["row"] != 1.0 || got["request_id"] != lines[0]["request_id"] || got["request_id"] == "" {
		t.Errorf("line 2 = %v, want model bank 7, row 1, the request's id", got)
	}
	if _, err := time.Parse(time.RFC3339Nano, got["timestamp"].(string)); err != nil {
		t.Errorf("timestamp: %v", err)
	}
	in := got["inputs"].(map[string]any)
	if in["age"] != 60.0 || in["job"] != "c" || in["balance"] != nil {
		t.Errorf("inputs = %v, want age 60, job c, balance null", in)
	}
	out := got["outputs"].(map[string]any)
	if out["probability"] != 0.6 || out["label"] != "yes" {
		t.Errorf("outputs = %v, want 0.6 yes", out)
	}
	if job := lines[0]["inputs"].(map[string]any)["job"]; job != "a\"b\n" {
		t.Errorf("escaped job = %q", job)
	}
}

func TestInferenceLogRotation(t *testing.T) {
	dir := t.TempDir()
	l := NewInferenceLog(dir)
	l.MaxFileBytes = 1000
	l.Logger = discardLogger()
	if err := l.Open(); err != nil {
		t.Fatal(err)
	}
	cols := newFakeModel().cols
	const n = 200
	for i := range n {
		e := &logEntry{requestID: "r", time: time.Unix(0, 0), model: "bank", version: "1", cols: cols,
			rows: [][]any{{int64(i), "job", math.NaN()}}, preds: []Prediction{{Value: 0.5, Label: "no"}}}
		for !l.offer(e) {
			time.Sleep(time.Millisecond) // the queue is full; let the writer catch up
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	files, lines := readLog(t, dir)
	if len(lines) != n {
		t.Fatalf("%d lines, want %d", len(lines), n)
	}
	for i, line := range lines {
		if got := line["inputs"].(map[string]any)["age"]; got != float64(i) {
			t.Fatalf("line %d has age %v: rows out of order across files", i, got)
		}
	}
	if len(files) < 10 {
		t.Errorf("%d files, want rotation every ~1000 bytes", len(files))
	}
	for _, f := range files {
		if fi, _ := os.Stat(f); fi.Size() > 1000 {
			t.Errorf("%s has %d bytes, over the 1000 limit", f, fi.Size())
		}
	}
	if got := l.Metrics.logRows.Load(); got != n {
		t.Errorf("rows metric = %d, want %d", got, n)
	}
}

func TestInferenceLogMaxFiles(t *testing.T) {
	dir := t.TempDir()
	l := NewInferenceLog(dir)
	l.MaxFileBytes, l.MaxFiles = 200, 3
	if err := l.Open(); err != nil {
		t.Fatal(err)
	}
	cols := newFakeModel().cols
	for i := range 50 {
		e := &logEntry{requestID: "r", time: time.Unix(0, 0), model: "bank", cols: cols,
			rows: [][]any{{int64(i), "job", 1.0}}, preds: []Prediction{{Value: 0.5, Label: "no"}}}
		for !l.offer(e) {
			time.Sleep(time.Millisecond)
		}
	}
	l.Close()
	files, lines := readLog(t, dir)
	if len(files) != 3 {
		t.Errorf("%d files kept, want 3", len(files))
	}
	if last := lines[len(lines)-1]["inputs"].(map[string]any)["age"]; last != 49.0 {
		t.Errorf("last row age %v, want 49 (the newest files are kept)", last)
	}
}

func TestInferenceLogDropsWhenFull(t *testing.T) {
	l := NewInferenceLog(t.TempDir())
	l.QueueRows = 4
	if err := l.Open(); err != nil {
		t.Fatal(err)
	}
	cols := newFakeModel().cols
	big := &logEntry{cols: cols, rows: make([][]any, 5), preds: make([]Prediction, 5)}
	for i := range big.rows {
		big.rows[i] = []any{int64(1), "x", 1.0}
	}
	if l.offer(big) {
		t.Error("an entry of 5 rows was queued in a queue of 4 rows")
	}
	if got := l.Metrics.LogDropped(); got != 5 {
		t.Errorf("dropped = %d, want 5", got)
	}
	l.Close()
	small := &logEntry{cols: cols, rows: big.rows[:1], preds: big.preds[:1]}
	if l.offer(small) {
		t.Error("an entry was queued after Close")
	}
	if got := l.Metrics.LogDropped(); got != 6 {
		t.Errorf("dropped after Close = %d, want 6", got)
	}
}

func TestMetricsExposition(t *testing.T) {
	s := mustServer(t, loadedFake(newFakeModel(), "1"), nil)
	for range 3 {
		do(t, s.Handler(), "POST", "/invocations", "application/json", `{"dataframe_split": {"columns": ["age", "job", "balance"], "data": [[30, "x", 1], [40, "y", 2]]}}`)
	}
	do(t, s.Handler(), "POST", "/invocations", "application/json", `[]`)
	do(t, s.Handler(), "GET", "/no/such/path/123", "", "")
	got := do(t, s.Handler(), "GET", "/metrics", "", "")
	if got.code != 200 || !strings.HasPrefix(got.contentType, "text/plain; version=0.0.4") {
		t.Fatalf("GET /metrics = %d %s", got.code, got.contentType)
	}
	for _, want := range []string{
		`weir_serve_requests_total{route="invocations",code="200"} 3`,
		`weir_serve_requests_total{route="invocations",code="400"} 1`,
		`weir_serve_requests_total{route="other",code="404"} 1`,
		`weir_serve_rows_scored_total 6`,
		`weir_serve_stage_duration_seconds_bucket{stage="decode",le="1e-05"}`,
		`weir_serve_stage_duration_seconds_count{stage="predict"} 3`,
		`weir_serve_stage_duration_seconds_count{stage="encode"} 3`,
		`weir_serve_request_duration_seconds_bucket{route="invocations",le="+Inf"} 4`,
		`weir_serve_model_info{model="bank",version="1"} 1`,
		"# TYPE weir_serve_inference_log_dropped_total counter",
	} {
		if !strings.Contains(got.body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(got.body, "/no/such/path") {
		t.Error("a raw path leaked into a label")
	}
}

func TestHistogramBuckets(t *testing.T) {
	h := newHistogram()
	for _, d := range []time.Duration{5 * time.Microsecond, 10 * time.Microsecond, 30 * time.Microsecond, 2 * time.Minute} {
		h.observe(d)
	}
	var b strings.Builder
	h.write(&b, "x", `a="b"`)
	for _, want := range []string{
		`x_bucket{a="b",le="1e-05"} 2`, // le is inclusive
		`x_bucket{a="b",le="2.5e-05"} 2`,
		`x_bucket{a="b",le="5e-05"} 3`,
		`x_bucket{a="b",le="60"} 3`,
		`x_bucket{a="b",le="+Inf"} 4`,
		`x_count{a="b"} 4`,
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("histogram lacks %s:\n%s", want, b.String())
		}
	}
}

func TestLabelEscaping(t *testing.T) {
	if got, want := label("a\"b\\c\nd"), `a\"b\\c\nd`; got != want {
		t.Errorf("label = %s, want %s", got, want)
	}
}
