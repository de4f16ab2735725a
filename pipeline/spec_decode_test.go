package pipeline

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/weir-ml/weir"
)

// locatedSpec is the spec TestSpecProblemsAreLocated edits: its own, so
// that the lines stay put when the bank example changes.
const locatedSpec = `# line 1
name: bank-marketing
experiment: bank-marketing
seed: 42
business:
  cost_per_contact: 10
  value_per_conversion: 50
  min_auc: 0.5706
  beat_contact_everyone: true
data:
  path: bank.csv
  target: y
  positive: "yes"
  leakage: [duration]
  derived:
    - {type: year_from_month_sequence, name: year, column: month, start_year: 2008}
split:
  kind: time
  column: year
  cutoff: 2009
validation:
  columns:
    - {name: age, kind: int, required: true, min: 17, max: 100}
prepare:
  drop: [duration]
  derived:
    - {type: flag, name: never_contacted, column: pdays, value: "-1"}
  steps:
    - name: numeric
      columns: [age, balance]
      transforms: [{type: imputer, strategy: median}, {type: standard_scaler}]
    - name: flags
      columns: [never_contacted]
    - name: categories
      columns: [job, month]
      transforms: [{type: one_hot, min_frequency: 50}]
model:
  folds: 3
  candidates:
    - learner: gbdt
      search: random
      trials: 10
      params: {n_estimators: 200}
      space:
        learning_rate: {float: [0.02, 0.1], log: true}
        num_leaves: {int: [4, 31]}
    - learner: logistic_regression
      search: grid
      space:
        c: {choice: [0.01, 0.1, 1.0]}
    - learner: random_forest
      search: grid
      params: {n_estimators: 100, min_samples_leaf: 20}
evaluation:
  calibration_bins: 10
  gains_bins: 10
registry:
  model_name: bank-marketing
`

// TestSpecProblemsAreLocated edits locatedSpec one way at a time and
// checks the first problem's line, column, path and words.
func TestSpecProblemsAreLocated(t *testing.T) {
	base := locatedSpec
	if _, err := ParseSpec([]byte(base)); err != nil {
		t.Fatalf("the unedited spec: %v", err)
	}
	tests := []struct {
		name, old, new, want string
	}{
		{"unknown top key", "seed: 42", "seeds: 42", `4:1: seeds: unknown key "seeds"; did you mean "seed"? (allowed: name, experiment, seed, task,`},
		{"unknown nested key", "  gains_bins: 10", "  gain_bins: 10", `56:3: evaluation.gain_bins: unknown key "gain_bins"; did you mean "gains_bins"? (allowed: calibration_bins or gains_bins)`},
		{"text for a number", "seed: 42", `seed: "abc"`, `4:7: seed: want a whole number, got the text "abc"`},
		{"fraction for a count", "folds: 3", "folds: 3.5", `38:10: model.folds: want a whole number, got "3.5"`},
		{"negative seed", "seed: 42", "seed: -1", `4:7: seed: want a whole number of 0 or more, got -1`},
		{"list for a number", "  cost_per_contact: 10", "  cost_per_contact: [10]", `6:21: business.cost_per_contact: want a number, got a list`},
		{"text for a bool", "beat_contact_everyone: true", "beat_contact_everyone: maybe", `9:26: business.beat_contact_everyone: want true or false, got "maybe"`},
		{"text for a list", "leakage: [duration]", "leakage: duration", `14:12: data.leakage: want a list, such as [a, b], got the text "duration"`},
		{"key twice", "  cutoff: 2009", "  cutoff: 2009\n  column: x", `21:3: split.column: key "column" is given twice (first on line 19)`},
		{"split kind", "kind: time", "kind: tme", `18:9: split.kind: "tme" is not a split kind; did you mean "time"? (allowed: time, random, group or column)`},
		{"search", "search: grid", "search: grdi", `48:15: model.candidates[1].search: "grdi" is not a search; did you mean "grid"? (allowed: grid or random)`},
		{"task", "seed: 42", "seed: 42\ntask: multiclas", `5:7: task: "multiclas" is not a task; did you mean "multiclass"? (allowed: binary, multiclass or regression)`},
		{"learner", "learner: random_forest", "learner: random_frost", `51:16: model.candidates[2].learner: "random_frost" is not a learner; did you mean "random_forest"?`},
		{"fixed param", "params: {n_estimators: 200}", "params: {n_estimators: 200, num_leavs: 3}", `43:35: model.candidates[0].params.num_leavs: unknown parameter "num_leavs" for gbdt; did you mean "num_leaves"?`},
		{"param of a grid without space", "params: {n_estimators: 100, min_samples_leaf: 20}", "params: {n_estimators: 100, min_sample_leaf: 20}", `53:35: model.candidates[2].params.min_sample_leaf: unknown parameter "min_sample_leaf" for random_forest; did you mean "min_samples_leaf"?`},
		{"space dimension", "num_leaves: {int: [4, 31]}", "num_leavs: {int: [4, 31]}", `46:9: model.candidates[0].space.num_leavs: unknown parameter "num_leavs" for gbdt; did you mean "num_leaves"?`},
		{"param type", "params: {n_estimators: 200}", "params: {n_estimators: abc}", `43:30: model.candidates[0].params.n_estimators: parameter n_estimators wants a whole number, got "abc"`},
		{"param and dimension", "params: {n_estimators: 200}", "params: {n_estimators: 200, num_leaves: 8}", `46:9: model.candidates[0].space.num_leaves: num_leaves is both a fixed param and a search dimension`},
		{"bad space", "c: {choice: [0.01, 0.1, 1.0]}", "c: {int: [3, 1]}", `50:9: model.candidates[1].space: space c: int needs [lo, hi]`},
		{"transform type", "type: one_hot", "type: one_hto", `36:27: prepare.steps[2].transforms[0].type: "one_hto" is not a transform type; did you mean "one_hot"?`},
		{"transform key", "min_frequency: 50", "min_frequncy: 50", `36:36: prepare.steps[2].transforms[0].min_frequncy: unknown key "min_frequncy" for one_hot; did you mean "min_frequency"? (allowed: min_frequency or type)`},
		{"transform value", "min_frequency: 50", "min_frequency: lots", `36:51: prepare.steps[2].transforms[0].min_frequency: parameter min_frequency wants a number, got "lots"`},
		{"step key", "    - name: flags", "    - nme: flags", `32:7: prepare.steps[1].nme: unknown key "nme" in a prepare step; did you mean "name"? (allowed: name, columns or transforms)`},
		{"derivation type", "{type: flag, name: never_contacted", "{type: flg, name: never_contacted", `27:14: prepare.derived[0].type: "flg" is not a derivation type; did you mean "flag"?`},
		{"derivation key", "{type: flag, name: never_contacted", "{type: flag, nme: never_contacted", `27:20: prepare.derived[0].nme: unknown key "nme" for flag; did you mean "name"?`},
		{"data derived type", "{type: year_from_month_sequence", "{type: year_from_month", `16:14: data.derived[0].type: "year_from_month" is not a derived column type; did you mean "year_from_month_sequence"?`},
		{"column kind", "{name: age, kind: int,", "{name: age, kind: itn,", `23:25: validation.columns[0].kind: "itn" is not a column kind; did you mean "int"?`},
		{"missing target", "  target: y\n", "", `11:3: data.target: required: the column the model predicts`},
		{"bad name", "name: bank-marketing", "name: 'bank marketing'", `2:7: name: "bank marketing" must be letters, digits`},
		{"folds", "folds: 3", "folds: 1", `38:10: model.folds: want 2 to 10 folds`},
		{"split needs a column", "  column: year\n  cutoff: 2009", "  cutoff: 2009", `18:3: split: split.column is required for a time split`},
		{"bad cutoff", "cutoff: 2009", "cutoff: soon", `20:11: split.cutoff: "soon" is not a number, a date`},
		{"not yaml", "seed: 42", "seed: 42\n  bad: indent", `5:1: not valid YAML: mapping values are not allowed in this context`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := strings.Replace(base, tt.old, tt.new, 1)
			if src == base {
				t.Fatalf("%q not in the spec", tt.old)
			}
			_, err := ParseSpec([]byte(src))
			var se *SpecError
			if !errors.As(err, &se) {
				t.Fatalf("ParseSpec error = %v, want a *SpecError", err)
			}
			if got := se.Problems[0].String(); !strings.HasPrefix(got, tt.want) {
				t.Errorf("first problem\n got: %s\nwant: %s…", got, tt.want)
			}
			if got, want := weir.ErrorCode(err), weir.ErrInvalidParameterValue; got != want {
				t.Errorf("error code = %s, want %s", got, want)
			}
		})
	}
}

func TestSpecReportsSeveralProblems(t *testing.T) {
	src := string(BankMarketing)
	for _, r := range [][2]string{{"seed: 42", "seed: x"}, {"kind: time", "kind: tme"}, {"search: grid", "search: grdi"}} {
		src = strings.Replace(src, r[0], r[1], 1)
	}
	_, err := ParseSpec([]byte(src))
	var se *SpecError
	if !errors.As(err, &se) {
		t.Fatalf("ParseSpec error = %v, want a *SpecError", err)
	}
	var got []string
	for _, p := range se.Problems {
		got = append(got, p.Path)
	}
	if want := "seed split.kind model.candidates[1].search"; strings.Join(got, " ") != want {
		t.Errorf("problems at %s, want %s", strings.Join(got, " "), want)
	}
	if lines := strings.Split(err.Error(), "\n"); len(lines) != 3 {
		t.Errorf("error has %d lines, want one per problem:\n%s", len(lines), err)
	}
}

func TestSpecProblemsAreCapped(t *testing.T) {
	var b strings.Builder
	b.WriteString("name: x\n")
	for i := range 15 {
		b.WriteString("unknown" + string(rune('a'+i)) + ": 1\n")
	}
	_, err := ParseSpec([]byte(b.String()))
	var se *SpecError
	if !errors.As(err, &se) {
		t.Fatalf("ParseSpec error = %v, want a *SpecError", err)
	}
	if got, want := len(se.Problems), maxProblems; got != want {
		t.Errorf("%d problems listed, want %d", got, want)
	}
	if lines := se.Lines(); !strings.HasPrefix(lines[len(lines)-1], "… and ") {
		t.Errorf("last line = %q, want a count of the rest", lines[len(lines)-1])
	}
}

func TestReadSpecNamesTheFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "p.yaml")
	src := strings.Replace(string(BankMarketing), "kind: time", "kind: tme", 1)
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ReadSpec(p)
	if err == nil || !strings.HasPrefix(err.Error(), p+":45:9: split.kind:") {
		t.Errorf("ReadSpec error = %v, want it to start with %s:45:9: split.kind:", err, p)
	}
}

func TestSpecOddInputs(t *testing.T) {
	for _, src := range []string{"", "- a\n- b\n", "name: [", "name: *x\n", "a: &a [*a]\n", "\x00\xff", "model: {candidates: [{learner: gbdt, search: grid, params: {1: 2}}]}"} {
		if _, err := ParseSpec([]byte(src)); err == nil {
			t.Errorf("ParseSpec(%q) = nil error", src)
		}
	}
}

// TestSpecAliasBomb feeds a spec whose params expand to billions of
// values through aliases: it must fail quickly, not hang.
func TestSpecAliasBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 9; i++ {
		fmt.Fprintf(&b, "a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n", i, i, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1)
	}
	src := strings.Replace(locatedSpec, "num_leaves: {int: [4, 31]}", "num_leaves: {choice: *a8}", 1)
	src = strings.Replace(src, "params: {n_estimators: 200}", "params: {n_estimators: 200, x: *a8}", 1)
	src = strings.Replace(src, "leakage: [duration]", "leakage: *a8", 1)
	src = b.String() + src
	done := make(chan error, 1)
	go func() { _, err := ParseSpec([]byte(src)); done <- err }()
	select {
	case err := <-done:
		if err == nil {
			t.Error("ParseSpec accepted the alias bomb")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("ParseSpec still busy after 10s")
	}
}

func TestTestSpecsParse(t *testing.T) {
	if _, err := ParseSpec([]byte(strings.Replace(smallSpec, "PATH", "small.csv", 1))); err != nil {
		t.Errorf("engine_test's smallSpec: %v", err)
	}
}

func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"grid", "grdi", 1}, {"tme", "time", 1}, {"kitten", "sitting", 3}, {"abc", "", 3}, {"num_leavs", "num_leaves", 1},
	}
	for _, tt := range tests {
		if got := editDistance(tt.a, tt.b); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
	if got := nearest("xyz", []string{"grid", "random"}); got != "" {
		t.Errorf("nearest(xyz) = %q, want none", got)
	}
}

func TestPrepareTypeListsAreTrue(t *testing.T) {
	for _, typ := range transformNames {
		p := PrepareSpec{Steps: []map[string]any{{"columns": []any{"a"}, "transforms": []any{map[string]any{"type": typ}}}}}
		if _, err := p.preprocessor(); err != nil && strings.Contains(err.Error(), "unknown type") {
			t.Errorf("transform type %s: %v", typ, err)
		}
	}
	for _, typ := range derivationNames {
		p := PrepareSpec{Derived: []map[string]any{{"type": typ}}, Steps: []map[string]any{{"columns": []any{"a"}}}}
		if _, err := p.preprocessor(); err != nil && strings.Contains(err.Error(), "unknown type") {
			t.Errorf("derivation type %s: %v", typ, err)
		}
	}
}

// FuzzParseSpec checks that no input makes ParseSpec panic, and that every
// failure is a *SpecError.
func FuzzParseSpec(f *testing.F) {
	f.Add(locatedSpec)
	f.Add(string(BankMarketing))
	f.Add("model: {candidates: [{learner: gbdt, search: grid, space: {num_leaves: {int: [1]}}}]}")
	f.Add("prepare: {steps: [{columns: [a], transforms: [{type: one_hot, min_frequency: [1]}]}]}")
	f.Fuzz(func(t *testing.T, src string) {
		_, err := ParseSpec([]byte(src))
		var se *SpecError
		if err != nil && !errors.As(err, &se) {
			t.Fatalf("ParseSpec error %T: %v", err, err)
		}
	})
}
