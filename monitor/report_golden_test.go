package monitor

import (
	"bytes"
	"flag"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// reportText is what a reader sees of a report page: a line per block and
// per table row, cells between bars, each chart as [chart].
func reportText(page string) string {
	for _, r := range []struct{ re, with string }{
		{`(?s)<style>.*?</style>`, ""},
		{`(?s)<svg.*?</svg>`, "\n[chart]\n"},
		{`</t[dh]>`, " | "},
		{`</?(p|h\d|div|tr|table|br|body)\b[^>]*>`, "\n"},
		{`<[^>]*>`, ""},
	} {
		page = regexp.MustCompile(r.re).ReplaceAllString(page, r.with)
	}
	var lines []string
	for _, l := range strings.Split(html.UnescapeString(page), "\n") {
		if l = strings.TrimSuffix(strings.Join(strings.Fields(l), " "), " |"); l != "" {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "\n") + "\n"
}

// TestReportGolden renders a report with drift, windows of rows and an
// alert, and compares what a reader sees with testdata/report.txt (-update
// rewrites it). Nothing on the page may be Go's formatting of a value.
func TestReportGolden(t *testing.T) {
	ref, err := framesWithName(t, "balance", 0)
	if err != nil {
		t.Fatal(err)
	}
	cur, err := framesWithName(t, "balance", 2)
	if err != nil {
		t.Fatal(err)
	}
	opts := NewDriftOptions()
	opts.Target = "y"
	d, err := Drift(t.Context(), ref, cur, opts)
	if err != nil {
		t.Fatal(err)
	}
	preds := calibrated(3000, 4)
	for i := range preds {
		preds[i].Time = time.Time{} // rows of a CSV: no times
	}
	wo := WindowOptions{Size: 1000, Threshold: 0.3, Value: Value{TP: 40, FP: -10}}
	ws, err := Windows(preds, wo)
	if err != nil {
		t.Fatal(err)
	}
	base := 0.9
	alerts, err := Evaluate([]Rule{{Name: "ROC AUC drop", Kind: RuleMetricDrop, Metric: "roc_auc", Baseline: &base, MaxDrop: 0.05}, {Name: "drift", Kind: RuleDriftShare}}, d, ws)
	if err != nil {
		t.Fatal(err)
	}
	r := &Report{Title: "Monitoring bank", Model: "bank", Version: "3", Generated: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC),
		Reference: "the model's reference profile", Current: "bank-2010.csv (2,000 rows)", Drift: d, Windows: ws, Alerts: alerts,
		ReferenceTargetRate: 0.0505, CurrentTargetRate: 0.516, Decision: DecisionText(wo)}
	var b bytes.Buffer
	if err := r.WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	got := reportText(b.String())
	for _, bad := range []*regexp.Regexp{regexp.MustCompile(`map\[`), regexp.MustCompile(`\[\d+( \d+)*\]`), regexp.MustCompile(`\de[+-]\d\d`),
		regexp.MustCompile(`0001-01-01`), regexp.MustCompile(`prediction prediction|target target`), regexp.MustCompile(`%!`)} {
		if m := bad.FindString(got); m != "" {
			t.Errorf("the report shows %q", m)
		}
	}
	path := filepath.Join("testdata", "report.txt")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./monitor -run TestReportGolden -update writes it)", err)
	}
	if got != string(want) {
		gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		for i := range min(len(gl), len(wl)) {
			if gl[i] != wl[i] {
				t.Fatalf("report text differs at line %d:\n got: %s\nwant: %s\n(-update rewrites testdata/report.txt)", i+1, gl[i], wl[i])
			}
		}
		t.Fatalf("report text has %d lines, the golden file %d (-update rewrites it)", len(gl), len(wl))
	}
}
