package pipeline

import (
	"context"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// notForPeople matches Go's formatting of values that reached a text meant
// for people: maps, slices of numbers or words, bad verbs, numbers in
// exponent form, the zero time, words said twice.
var notForPeople = []struct {
	what string
	re   *regexp.Regexp
}{
	{"a Go map", regexp.MustCompile(`map\[`)},
	{"a Go slice of numbers", regexp.MustCompile(`\[-?\d+(\.\d+)?( -?\d+(\.\d+)?)*\]`)},
	{"a Go slice of words", regexp.MustCompile(`\[[a-z_]+( [a-z_]+)+\]`)},
	{"a bad format verb", regexp.MustCompile(`%!`)},
	{"a number in exponent form", regexp.MustCompile(`\d\.?\d*e[+-]\d\d`)},
	{"the zero time", regexp.MustCompile(`0001-01-01`)},
	{"a repeated word", regexp.MustCompile(`\b(prediction prediction|target target|the the|of of)\b`)},
	{"a Go bool", regexp.MustCompile(`: (true|false)\b`)},
}

// visibleText drops the markup of an HTML page: tags, and what style and
// SVG attributes hold, so that only what a reader sees is checked.
func visibleText(page string) string {
	page = regexp.MustCompile(`(?s)<style>.*?</style>`).ReplaceAllString(page, " ")
	return regexp.MustCompile(`<[^>]*>`).ReplaceAllString(page, " ")
}

// checkForPeople fails when text holds something formatted for Go rather
// than for a reader.
func checkForPeople(t *testing.T, name, text string) {
	t.Helper()
	for _, p := range notForPeople {
		if loc := p.re.FindStringIndex(text); loc != nil {
			lo, hi := max(0, loc[0]-60), min(len(text), loc[1]+60)
			t.Errorf("%s holds %s: …%s…", name, p.what, text[lo:hi])
		}
	}
}

func TestCheckForPeopleCatches(t *testing.T) {
	for _, bad := range []string{"params map[max_depth:8]", "Trained on [2008]", "replay of [2009 2010]", "counts 7.81e+03",
		"prediction prediction", "from 0001-01-01 00:00", "leaking: [duration other]", "everyone: true", "%!d(string=x)"} {
		found := false
		for _, p := range notForPeople {
			found = found || p.re.MatchString(bad)
		}
		if !found {
			t.Errorf("%q is not caught", bad)
		}
	}
	for _, good := range []string{"max_depth=8, n_estimators=100", "2009 and 2010", "7,810 rows", "rows 1–2,000 (2009)", "AUC 0.6304"} {
		for _, p := range notForPeople {
			if p.re.MatchString(good) {
				t.Errorf("%q is caught as %s", good, p.what)
			}
		}
	}
}

// TestReportsReadForPeople runs a pipeline of each task and reads every
// report, the summary and the progress lines as a person would: none may
// hold Go's formatting of maps, slices or numbers.
func TestReportsReadForPeople(t *testing.T) {
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
			var progress strings.Builder
			r.Progress = &progress
			s, err := r.Run(context.Background())
			if err != nil {
				t.Fatalf("%v\n%s", err, progress.String())
			}
			var text strings.Builder
			s.WriteText(&text)
			checkForPeople(t, "the summary", text.String())
			checkForPeople(t, "the progress lines", progress.String())
			checkInspection(t, r, s, map[string]string{"binary": "score", "multiclass": "x1", "regression": "x1"}[task])
			for _, name := range slices.Sorted(mapKeys(s.Reports)) {
				path := s.Reports[name]
				if strings.HasSuffix(path, ".json") {
					continue
				}
				b, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				page := string(b)
				if strings.HasSuffix(path, ".html") {
					page = visibleText(page)
				}
				checkForPeople(t, name, page)
			}
		})
	}
}

// taskCandidates are quick candidates of each task for taskSpec.
var taskCandidates = map[string]string{
	"multiclass": `    - {learner: gbdt, search: grid, params: {n_estimators: 20, num_leaves: 7, min_data_in_leaf: 5}}
    - {learner: logistic_regression, search: grid, space: {c: {choice: [0.1, 1.0]}}}`,
	"regression": `    - {learner: gbdt, search: grid, params: {n_estimators: 30, min_data_in_leaf: 5}}
    - {learner: ridge, search: grid, space: {alpha: {choice: [0.1, 10]}}}`,
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// checkInspection checks that the evaluation report and the model card show
// the winner's confusion matrix (for classes) and permutation importance,
// and that the column the target was drawn from ranks first.
func checkInspection(t *testing.T, r *Runner, s *Summary, top string) {
	t.Helper()
	in := r.st.inspection
	if in == nil || len(in.Importance) == 0 {
		t.Fatal("no inspection of the winner")
	}
	if got := in.Importance[0].Column; got != top {
		t.Errorf("most important column %s (%.4f), want %s", got, in.Importance[0].Mean, top)
	}
	classes := s.Task != "regression"
	if got := in.Confusion != nil; got != classes {
		t.Errorf("confusion matrix present %v, want %v", got, classes)
	}
	total := 0.0
	for _, row := range in.Confusion {
		for _, v := range row {
			total += v
		}
	}
	if classes && int(total) != s.Data.HoldoutRows {
		t.Errorf("confusion matrix counts %v rows, want the %d holdout rows", total, s.Data.HoldoutRows)
	}
	for _, report := range []string{"evaluation", "model_card"} {
		b, err := os.ReadFile(s.Reports[report])
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), "ermutation importance") {
			t.Errorf("%s has no permutation importance", report)
		}
		if strings.Contains(string(b), "onfusion matrix") != classes {
			t.Errorf("%s: confusion matrix shown %v, want %v", report, !classes, classes)
		}
	}
}
