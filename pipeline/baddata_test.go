package pipeline

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunRefusesBadData runs a pipeline on tables a user might bring by
// mistake: each run stops with a message that says what is wrong, and the
// pipeline run is marked FAILED (not left RUNNING).
func TestRunRefusesBadData(t *testing.T) {
	const spec = `
name: bad
experiment: bad
seed: 1
business: {question: "Q?", value_per_conversion: 1}
data: {name: bad, path: PATH, target: y}
split: SPLIT
prepare:
  steps:
    - {name: numeric, columns: [x], transforms: [{type: imputer, strategy: median}]}
model:
  folds: 2
  candidates:
    - {learner: logistic_regression, search: grid}
registry: {model_name: bad}
`
	rows := func(n int, f func(i int) string) string {
		var b strings.Builder
		b.WriteString("x,y,part\n")
		for i := range n {
			b.WriteString(f(i) + "\n")
		}
		return b.String()
	}
	random := "{kind: random, holdout_fraction: 0.25}"
	for _, tc := range []struct {
		name, csv, split, want string
	}{
		{"empty table", "x,y,part\n", random, "has a header but no rows"},
		{"one class", rows(40, func(i int) string { return strings.Repeat("1", 1+i%3) + ",yes,train" }), random, `has a single value ("yes")`},
		{"missing target", rows(40, func(i int) string {
			if i == 7 {
				return "3,,train"
			}
			return "3,no,train"
		}), random, "has no value in row 8"},
		{"class only in the holdout", rows(40, func(i int) string {
			switch {
			case i >= 36:
				return "9,c,holdout"
			case i%2 == 0:
				return "1,a,train"
			}
			return "2,b,train"
		}), "{kind: column, column: part}", `class "c" appears only in the holdout (4 rows)`},
		{"a numeric step on a column of mixed types", rows(40, func(i int) string {
			if i == 5 {
				return "n/a," + []string{"no", "yes"}[i%2] + ",train"
			}
			return "1," + []string{"no", "yes"}[i%2] + ",train"
		}), random, "imputer strategy median needs numeric columns"},
		{"time split on text", rows(40, func(i int) string { return "1," + []string{"no", "yes"}[i%2] + ",train" }), "{kind: time, column: part, holdout_fraction: 0.2}", `"train" is not a date, datetime or number`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			data := filepath.Join(dir, "bad.csv")
			if err := os.WriteFile(data, []byte(tc.csv), 0o644); err != nil {
				t.Fatal(err)
			}
			s, err := ParseSpec([]byte(strings.NewReplacer("PATH", data, "SPLIT", tc.split).Replace(spec)))
			if err != nil {
				t.Fatal(err)
			}
			r := newTestRunner(t, dir, data)
			r.Spec = s
			_, err = r.Run(context.Background())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Run error = %v, want one saying %q", err, tc.want)
			}
			run, err := r.Backend.Tracking.GetRun(context.Background(), r.parentID)
			if err != nil {
				t.Fatal(err)
			}
			if run.Info.Status != "FAILED" {
				t.Errorf("run status %s, want FAILED", run.Info.Status)
			}
		})
	}
}
