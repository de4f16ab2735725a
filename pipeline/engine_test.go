package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/weir-ml/weir/artifact"
	"github.com/weir-ml/weir/mlmodel"
	"github.com/weir-ml/weir/sqlstore"
)

// smallSpec is a quick pipeline over the data smallCSV writes.
const smallSpec = `
name: small
experiment: small
seed: 7
business: {question: "Who buys?", cost_per_contact: 1, value_per_conversion: 10, min_auc: 0.6, beat_contact_everyone: true}
data: {name: small, path: PATH, target: y, positive: "yes", leakage: [after], derived: [{type: year_from_month_sequence, name: year, column: month, start_year: 2020}]}
split: {kind: time, column: year, cutoff: "2021"}
validation:
  columns:
    - {name: age, kind: int, required: true, min: 18, max: 99}
prepare:
  derived: [{type: flag, name: young, column: age, value: "20"}]
  steps:
    - {name: numeric, columns: [age, score], transforms: [{type: imputer, strategy: median}, {type: standard_scaler}]}
    - {name: categories, columns: [job], transforms: [{type: one_hot}]}
model:
  folds: 2
  cv: stratified
  candidates:
    - {learner: gbdt, search: random, trials: 2, params: {n_estimators: 20}, space: {num_leaves: {int: [3, 7]}}}
    - {learner: logistic_regression, search: grid, space: {c: {choice: [1.0]}}}
registry: {model_name: small, promote_margin: 0.01}
monitoring: {replay_periods: ["2021"], window_size: 200}
`

// smallCSV writes 1,200 rows over two years in which y follows score.
func smallCSV(t *testing.T, dir string, badAge bool) string {
	t.Helper()
	r := rand.New(rand.NewPCG(1, 2))
	months := []string{"jan", "mar", "jun", "sep", "dec"}
	var b strings.Builder
	b.WriteString("age,job,score,after,month,y\n")
	for i := range 1200 {
		age := 18 + r.IntN(60)
		if badAge && i == 5 {
			age = 150
		}
		score := r.NormFloat64()
		y := "no"
		if score+0.8*r.NormFloat64() > 1 {
			y = "yes"
		}
		after := 0
		if y == "yes" {
			after = 1
		}
		fmt.Fprintf(&b, "%d,%s,%.3f,%d,%s,%s\n", age, []string{"a", "b", "c"}[r.IntN(3)], score, after, months[(i/120)%5], y)
	}
	p := filepath.Join(dir, "small.csv")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func newTestRunner(t *testing.T, dir, data string) *Runner {
	t.Helper()
	spec, err := ParseSpec([]byte(strings.Replace(smallSpec, "PATH", data, 1)))
	if err != nil {
		t.Fatal(err)
	}
	db := sqlstore.NewDB("sqlite:///" + filepath.Join(dir, "weir.db"))
	if err := db.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &Runner{
		Spec: spec,
		Backend: Backend{
			Tracking: sqlstore.NewTrackingService(db), Registry: sqlstore.NewRegistryService(db),
			LoggedModels: sqlstore.NewLoggedModelService(db),
			Artifacts:    mlmodel.Files{Proxied: artifact.NewDir(filepath.Join(dir, "artifacts"))},
		},
		TrackingURI: "sqlite:///test",
		StateDir:    filepath.Join(dir, "state"),
	}
}

func statuses(s *Summary) string {
	var out []string
	for _, st := range s.Steps {
		out = append(out, st.Name+"="+st.Status)
	}
	return strings.Join(out, " ")
}

func TestRunCachesAndReproduces(t *testing.T) {
	dir := t.TempDir()
	data := smallCSV(t, dir, false)
	ctx := context.Background()
	first, err := newTestRunner(t, dir, data).Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range first.Steps {
		if st.Status != "ran" {
			t.Errorf("first run: %s", statuses(first))
			break
		}
	}
	if got := first.Champion.Aliases; len(got) != 2 {
		t.Errorf("aliases = %v, want challenger and champion", got)
	}
	if got := first.Image.Status; !strings.HasPrefix(got, "skipped") {
		t.Errorf("image status = %q, want skipped without a deployer", got)
	}
	model := entryFile(t, dir, "model", first.Winner+".json")
	before, err := os.ReadFile(model)
	if err != nil {
		t.Fatal(err)
	}

	second, err := newTestRunner(t, dir, data).Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range second.Steps {
		if st.Status != "cached" {
			t.Fatalf("rerun of an unchanged pipeline: %s, want every step cached", statuses(second))
		}
	}
	if second.Champion.Version != first.Champion.Version || second.Champion.ModelID != first.Champion.ModelID {
		t.Errorf("cached champion = %+v, want %+v", second.Champion, first.Champion)
	}

	// Forcing the model step refits with the same seed: the same bytes, so
	// the same registered version, still the champion.
	r := newTestRunner(t, dir, data)
	r.Force = "model"
	third, err := r.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := statuses(third), "business=cached acquire=cached understand=cached validate=cached prepare=cached model=ran evaluate=ran register=ran deploy=ran monitor=ran"; got != want {
		t.Errorf("--force model: %s, want %s", got, want)
	}
	after, err := os.ReadFile(entryFile(t, dir, "model", first.Winner+".json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Errorf("the same seed gave different model bytes")
	}
	if c := third.Champion; c.Version != "1" || c.Promoted || strings.Join(c.Aliases, " ") != "challenger champion" {
		t.Errorf("refit champion = %+v, want version 1 again, still champion", third.Champion)
	}
	if !strings.Contains(third.Champion.Reason, "unchanged model") {
		t.Errorf("refit reason = %q, want it to say the model is unchanged", third.Champion.Reason)
	}
}

// entryFile returns the path of a file in the one cache entry of a step.
func entryFile(t *testing.T, dir, step, name string) string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "state", "small", step, "*", name))
	if err != nil || len(m) != 1 {
		t.Fatalf("%s/%s in the cache: found %v (%v), want one", step, name, m, err)
	}
	return m[0]
}

func TestRunReranksOnlyWhatAChangeTouches(t *testing.T) {
	dir := t.TempDir()
	data := smallCSV(t, dir, false)
	ctx := context.Background()
	if _, err := newTestRunner(t, dir, data).Run(ctx); err != nil {
		t.Fatal(err)
	}
	// A new cost per contact changes the business figures, not the models.
	r := newTestRunner(t, dir, data)
	r.Spec.Business.CostPerContact = 2
	s, err := r.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := statuses(s), "business=ran acquire=cached understand=cached validate=cached prepare=cached model=cached evaluate=ran register=ran deploy=ran monitor=ran"; got != want {
		t.Errorf("after a cost change: %s, want %s", got, want)
	}
}

func TestRunReplaysOnlyWhatTheStoreHolds(t *testing.T) {
	dir := t.TempDir()
	data := smallCSV(t, dir, false)
	ctx := context.Background()
	if _, err := newTestRunner(t, dir, data).Run(ctx); err != nil {
		t.Fatal(err)
	}
	// A fresh store under the same state directory: nothing can be replayed.
	os.Remove(filepath.Join(dir, "weir.db"))
	s, err := newTestRunner(t, dir, data).Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range s.Steps {
		if st.Status != "ran" {
			t.Fatalf("after the store was wiped: %s, want every step run", statuses(s))
		}
	}
}

func TestRunStopsOnValidation(t *testing.T) {
	dir := t.TempDir()
	data := smallCSV(t, dir, true)
	_, err := newTestRunner(t, dir, data).Run(context.Background())
	var se *StepError
	if !errors.As(err, &se) || se.Step != "validate" {
		t.Fatalf("Run error = %v, want a validate StepError", err)
	}
	for _, want := range []string{"column age", `"max: 99"`, `row 6 = "150"`, "--force validate"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %s", err, want)
		}
	}
	// The steps before it stay cached.
	for _, step := range []string{"business", "acquire", "understand"} {
		entryFile(t, dir, step, "result.json")
	}
}

func TestRunRejectsUnknownForce(t *testing.T) {
	dir := t.TempDir()
	r := newTestRunner(t, dir, smallCSV(t, dir, false))
	r.Force = "modle"
	if _, err := r.Run(context.Background()); err == nil || !strings.Contains(err.Error(), `--force "modle" is not a step`) {
		t.Errorf("Run error = %v", err)
	}
}

// When contacting (nearly) everyone pays best, the chosen thresholds are
// probabilities (the profit curve's "everyone" point is -Inf) and the
// summary encodes as JSON.
func TestRunThresholdContactEveryone(t *testing.T) {
	dir := t.TempDir()
	r := newTestRunner(t, dir, smallCSV(t, dir, false))
	r.Spec.Business.CostPerContact, r.Spec.Business.ValuePerConversion = 0, 1000
	s, err := r.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	b := s.Business
	if b.Threshold < 0 || b.Threshold > 1 || b.Hindsight == nil || b.Hindsight.Threshold < 0 || b.Hindsight.Threshold > 1 {
		t.Errorf("thresholds %v and %+v, want probabilities", b.Threshold, b.Hindsight)
	}
	if _, err := json.Marshal(s); err != nil {
		t.Errorf("summary does not encode: %v", err)
	}
	if probability(math.Inf(-1)) != 0 || probability(math.Inf(1)) != 1 {
		t.Error("probability does not clamp the curve's infinite thresholds")
	}
}
