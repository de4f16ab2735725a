package pipeline

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/weir-ml/weir/artifact"
	"github.com/weir-ml/weir/mlmodel"
	"github.com/weir-ml/weir/sqlstore"
)

// initCSV writes a table of n rows whose target column y the write
// function fills from a score; withDate adds a date column.
func initCSV(t *testing.T, n int, withDate bool, target func(r *rand.Rand, score float64) string) string {
	t.Helper()
	r := rand.New(rand.NewPCG(3, 4))
	var b strings.Builder
	b.WriteString("id,age,plan,score,const,y")
	if withDate {
		b.WriteString(",day")
	}
	b.WriteString("\n")
	for i := range n {
		score := r.NormFloat64()
		fmt.Fprintf(&b, "c%d,%d,%s,%.3f,x,%s", i, 18+r.IntN(60), []string{"basic", "pro", "max"}[r.IntN(3)], score, target(r, score))
		if withDate {
			fmt.Fprintf(&b, ",2024-%02d-%02d", 1+i%12, 1+i%28)
		}
		b.WriteString("\n")
	}
	p := filepath.Join(t.TempDir(), "Customer Churn.csv")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func binaryTarget(r *rand.Rand, score float64) string {
	if score+0.8*r.NormFloat64() > 1 {
		return "churned"
	}
	return "stayed"
}

func TestInitInfersAndPasses(t *testing.T) {
	tests := []struct {
		name     string
		target   func(*rand.Rand, float64) string
		withDate bool
		opts     InitOptions
		want     []string // in the spec
		notes    []string // on stderr
	}{
		{"binary by minority", binaryTarget, false, InitOptions{},
			[]string{"task: binary", `positive: "churned"`, "kind: random", "learner: logistic_regression", "drop: [id, const]"},
			[]string{`positive class "churned" (the minority class`, "column id left out: every value is distinct", "column const left out: constant", "split: random, 25% held out, stratified"}},
		{"binary by name", func(r *rand.Rand, s float64) string { return map[bool]string{true: "no", false: "yes"}[s > -1] }, false, InitOptions{},
			[]string{`positive: "yes"`}, []string{`positive class "yes" (its name says so`}},
		{"multiclass text", func(r *rand.Rand, s float64) string {
			return []string{"low", "mid", "high"}[min(2, max(0, int(s+1.5)))]
		}, true, InitOptions{},
			[]string{"task: multiclass", "kind: time", "column: day", "learner: random_forest"},
			[]string{"task: multiclass, since the target column y holds text with 3 classes", "split: time on day"}},
		{"regression", func(r *rand.Rand, s float64) string { return fmt.Sprintf("%.2f", 3*s+r.NormFloat64()) }, false, InitOptions{},
			[]string{"task: regression", "learner: ridge", "kind: random"},
			[]string{"task: regression, since the target column y holds numbers with"}},
		{"group split", binaryTarget, false, InitOptions{Split: SplitGroup},
			[]string{"kind: group", "column: plan"}, []string{"split: group on plan"}},
		{"task given", binaryTarget, false, InitOptions{Task: "multiclass"}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := tt.opts
			opts.Data, opts.Target = initCSV(t, 300, tt.withDate, tt.target), "y"
			var notes bytes.Buffer
			b, err := Init(opts, &notes)
			if tt.name == "task given" {
				if err == nil || !strings.Contains(err.Error(), "has 2 values; use --task binary") {
					t.Errorf("Init(--task multiclass) on two classes: error = %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(string(b), w) {
					t.Errorf("spec lacks %q:\n%s", w, b)
				}
			}
			for _, w := range tt.notes {
				if !strings.Contains(notes.String(), w) {
					t.Errorf("notes lack %q:\n%s", w, notes.String())
				}
			}
			if _, err := ParseSpec(b); err != nil {
				t.Errorf("the written spec fails the check:\n%v\n%s", err, b)
			}
			if !strings.Contains(string(b), "name: customer-churn\n") {
				t.Errorf("spec name is not made from the file name:\n%s", b)
			}
		})
	}
}

func TestInitErrors(t *testing.T) {
	data := initCSV(t, 60, false, binaryTarget)
	tests := []struct {
		opts InitOptions
		want string
	}{
		{InitOptions{Target: "yy"}, `has no column "yy"; did you mean "y"?`},
		{InitOptions{Target: "const"}, "target const has 1 distinct values"},
		{InitOptions{Target: "id"}, "looks like an ID or free text"},
		{InitOptions{Target: "y", Task: "multiclas"}, `--task "multiclas" must be binary, multiclass or regression; did you mean "multiclass"?`},
		{InitOptions{Target: "y", Split: SplitTime}, "has no date or datetime column"},
		{InitOptions{Target: "y", Task: "regression"}, "holds text, not numbers"},
	}
	for _, tt := range tests {
		tt.opts.Data = data
		_, err := Init(tt.opts, nil)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Init(%+v) error = %v, want one containing %q", tt.opts, err, tt.want)
		}
	}
	if _, err := Init(InitOptions{Data: filepath.Join(t.TempDir(), "none.csv"), Target: "y"}, nil); err == nil {
		t.Errorf("Init of a missing file: no error")
	}
}

// TestInitSpecRuns runs the spec Init writes for a binary target end to
// end, with fewer trials to keep the test short.
func TestInitSpecRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a pipeline")
	}
	data := initCSV(t, 400, false, binaryTarget)
	b, err := Init(InitOptions{Data: data, Target: "y"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	src := strings.NewReplacer("trials: 10", "trials: 2", "n_estimators: 200", "n_estimators: 20", "n_estimators: 100", "n_estimators: 10").Replace(string(b))
	spec, err := ParseSpec([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	db := sqlstore.NewDB("sqlite:///" + filepath.Join(dir, "weir.db"))
	if err := db.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	r := &Runner{
		Spec: spec,
		Backend: Backend{
			Tracking: sqlstore.NewTrackingService(db), Registry: sqlstore.NewRegistryService(db),
			LoggedModels: sqlstore.NewLoggedModelService(db),
			Artifacts:    mlmodel.Files{Proxied: artifact.NewDir(filepath.Join(dir, "artifacts"))},
		},
		TrackingURI: "sqlite:///test",
		StateDir:    filepath.Join(dir, "state"),
	}
	sum, err := r.Run(context.Background())
	if err != nil {
		t.Fatalf("running the spec Init wrote: %v\n%s", err, src)
	}
	if sum.Champion.Version == "" {
		t.Errorf("no champion registered: %s", statuses(sum))
	}
}
