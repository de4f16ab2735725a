package pipeline

import (
	"context"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// checkGolden compares got with testdata/name; -update rewrites the file.
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./pipeline -update to write it)", err)
	}
	if got != string(want) {
		gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		for i := range max(len(gl), len(wl)) {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Errorf("%s differs from the golden file at line %d:\n got: %s\nwant: %s\n(go test ./pipeline -update rewrites it)", name, i+1, g, w)
				return
			}
		}
	}
}

// pageText is what a reader sees of an HTML report: a line per block and
// per table row, cells between bars, each chart as its title, so that
// golden files do not move with the charts' coordinates.
func pageText(page string) string {
	for _, r := range []struct{ re, with string }{
		{`(?s)<style>.*?</style>`, ""},
		{`(?s)<svg[^>]*><title>(.*?)</title>.*?</svg>`, "\n[chart: $1]\n"},
		{`(?s)<svg.*?</svg>`, "\n[chart]\n"},
		{`</t[dh]>`, " | "},
		{`</?(p|h\d|div|tr|table|br|li|ul|body)\b[^>]*>`, "\n"},
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

// TestGoldenSummaryText writes a summary whose every field is set.
func TestGoldenSummaryText(t *testing.T) {
	s := &Summary{
		Task: "binary", TaskWhy: `binary: the target column y has two values, "no" and "yes"; the positive class is "yes"`, Positive: "yes",
		Split: "time-ordered on year: holdout from 2009 on", Question: "Whom should the call centre call?",
		Data: DataSummary{Name: "bank-marketing", SHA256: strings.Repeat("ab", 32), Rows: 45211, Columns: 17, TrainRows: 27729, HoldoutRows: 17482,
			Leakage: []string{"duration alone separates the target with AUC 0.808"}},
		Holdout: map[string]map[string]float64{
			"gbdt":          {"roc_auc": 0.64341, "pr_auc": 0.3252, "log_loss": 0.6548, "brier": 0.1939},
			"random_forest": {"roc_auc": 0.6304, "pr_auc": 0.3069, "log_loss": 0.6483, "brier": 0.1943},
		},
		Baseline: map[string]float64{"roc_auc": 0.5},
		Winner:   "random_forest",
		Importance: []Importance{{Column: "month", Mean: 0.0551, Std: 0.0028}, {Column: "poutcome", Mean: 0.0262}, {Column: "balance", Mean: 0.0232},
			{Column: "age", Mean: 0.0085}, {Column: "previous", Mean: -0.0057}},
		ImportanceScore: "roc_auc",
		Champion:        ChampionSummary{Name: "bank-marketing", Version: "1", Aliases: []string{"challenger", "champion"}, Reason: "no champion yet: the challenger becomes champion"},
		Business: BusinessSummary{Threshold: 0.1277, ThresholdChosenOn: "out-of-fold predictions", Contacted: 664, Conversions: 276, Profit: 7160,
			ProfitContactAll: 19580, ConversionsAll: 3888, LiftTopDecile: 1.64, Criterion: "holdout AUC 0.6304 >= 0.5706 and profit 7,160 <= contacting everyone 19,580",
			Hindsight: &Hindsight{Threshold: 0.0497, Profit: 42550}},
		Reports: map[string]string{"evaluation": "state/evaluation.html", "reference_profile": "state/reference_profile.json"},
		Image:   StepOutcome{Status: "skipped: no image builder configured"},
		Monitoring: MonitoringSummary{Status: "done", ReplayedThrough: "the registered model's files, loaded in-process",
			Periods:  []PeriodMonitor{{Period: "2010", Rows: 2620, AUC: 0.5416, PositiveRate: 0.516, MeanPrediction: 0.076, DriftedColumns: []string{"age", "job"}}},
			Decision: "retrain: 14 of 15 features drifted (share 0.933)"},
		Steps:         []StepResult{{Name: "business", Status: "cached"}, {Name: "acquire", Status: "ran"}},
		PipelineRunID: "24cffa78cb084760a0a49bc57459e561", ServeCommand: "weir models serve -m models:/bank-marketing@champion", Seconds: 17.9,
	}
	var b strings.Builder
	s.WriteText(&b)
	checkGolden(t, "summary.txt", b.String())
	checkForPeople(t, "the summary", b.String())
}

// TestGoldenBusiness writes the bank case's business page.
func TestGoldenBusiness(t *testing.T) {
	spec, err := ParseSpec(BankMarketing)
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "bank/business.md", businessText(spec))
}

// TestGoldenReports runs a small pipeline of each task and compares what
// its reports say, with run ids, paths and times written as placeholders.
func TestGoldenReports(t *testing.T) {
	for _, task := range []string{"binary", "multiclass", "regression"} {
		t.Run(task, func(t *testing.T) {
			dir := t.TempDir()
			var r *Runner
			if task == "binary" {
				r = newTestRunner(t, dir, smallCSV(t, dir, false))
			} else {
				data := taskCSV(t, dir, task)
				r = newTestRunner(t, dir, data)
				spec, err := ParseSpec([]byte(strings.NewReplacer("PATH", data, "CANDIDATES", taskCandidates[task]).Replace(taskSpec)))
				if err != nil {
					t.Fatal(err)
				}
				r.Spec = spec
			}
			r.GitRevision = "0123abc"
			s, err := r.Run(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			norm := strings.NewReplacer(dir, "DIR", s.PipelineRunID, "RUNID").Replace
			generated := regexp.MustCompile(`generated \d{4}-\d\d-\d\d \d\d:\d\d UTC`)
			version := regexp.MustCompile(`weir_version: \S+`)
			for _, g := range []struct{ report, golden string }{
				{"eda", "eda.txt"}, {"evaluation", "evaluation.txt"}, {"model_card", "model_card.md"},
				{"business", "business.md"}, {"monitoring", "monitoring.txt"},
			} {
				b, err := os.ReadFile(s.Reports[g.report])
				if err != nil {
					t.Fatal(err)
				}
				text := string(b)
				if strings.HasSuffix(s.Reports[g.report], ".html") {
					text = pageText(text)
				}
				text = version.ReplaceAllString(generated.ReplaceAllString(norm(text), "generated TIME"), "weir_version: VERSION")
				checkGolden(t, task+"/"+g.golden, text)
			}
			var b strings.Builder
			s.WriteText(&b)
			text := regexp.MustCompile(`in \d+\.\ds`).ReplaceAllString(norm(b.String()), "in N s")
			text = regexp.MustCompile(`/[0-9a-f]{16}/`).ReplaceAllString(text, "/KEY/") // step cache keys hold the data's path
			text = regexp.MustCompile(`\(\d+ of (\d+) steps cached\)`).ReplaceAllString(text, "(N of $1 steps cached)")
			checkGolden(t, task+"/summary.txt", text)
		})
	}
}
