package mlmodel

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/weir-ml/weir/ml"
	"github.com/weir-ml/weir/ml/frame"
	"github.com/weir-ml/weir/ml/gbdt"
	"github.com/weir-ml/weir/ml/predictor"
	"github.com/weir-ml/weir/ml/predictor/predictortest"
)

// jobTask fits a predictor of the given task on smallCSV: the job (three
// classes) for multiclass, the age for regression.
func jobTask(tb testing.TB, task string) (*predictor.Predictor, *frame.Frame) {
	tb.Helper()
	f := mustSmall(tb)
	spec := predictor.Spec{Task: task}
	target := "job"
	switch task {
	case ml.TaskMulticlass:
		predictortest.Register()
		spec.Model = &predictortest.NearestCentroid{}
		// Row 7 has no job: multiclass targets may not be missing.
		var err error
		if f, err = f.Take([]int{0, 1, 2, 3, 4, 5, 6, 8, 9, 10, 11}); err != nil {
			tb.Fatal(err)
		}
	case ml.TaskRegression:
		g := gbdt.NewRegressor()
		g.NEstimators, g.MinDataInLeaf, g.MinDataInBin, g.NumThreads = 5, 2, 1, 1
		spec.Model, target = g, "age"
	}
	p, err := predictor.Fit(context.Background(), f, target, spec)
	if err != nil {
		tb.Fatal(err)
	}
	return p, f
}

// mustSavedTask saves a predictor of the task with a three-row input
// example and returns the directory.
func mustSavedTask(tb testing.TB, task string) string {
	tb.Helper()
	p, f := jobTask(tb, task)
	ex, err := f.Slice(0, 3)
	if err != nil {
		tb.Fatal(err)
	}
	dir := filepath.Join(tb.TempDir(), task)
	if err := Save(dir, p, Info{Example: ex}); err != nil {
		tb.Fatal(err)
	}
	return dir
}

func TestSaveLoadTasks(t *testing.T) {
	for _, tc := range []struct {
		task, outputs string
		out           Output
	}{
		{ml.TaskMulticlass,
			`'[{"type": "array", "items": {"type": "double"}, "name": "probabilities", "required": true}, {"type": "string", "name": "label", "required": true}]'`,
			Output{Task: ml.TaskMulticlass, Classes: []any{"manager", "student", "worker"}, Predict: PredictRecords}},
		{ml.TaskRegression,
			`'[{"type": "double", "name": "prediction", "required": true}]'`,
			Output{Task: ml.TaskRegression, Predict: PredictRecords}},
	} {
		t.Run(tc.task, func(t *testing.T) {
			p, f := jobTask(t, tc.task)
			dir := mustSavedTask(t, tc.task)
			b, err := os.ReadFile(filepath.Join(dir, MLmodelFile))
			if err != nil {
				t.Fatal(err)
			}
			if want := "  outputs: " + tc.outputs + "\n"; !strings.Contains(string(b), want) {
				t.Errorf("MLmodel lacks %s:\n%s", want, b)
			}
			m, err := Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			if got := m.Output(); !reflect.DeepEqual(got, tc.out) {
				t.Errorf("Output = %+v, want %+v", got, tc.out)
			}
			if got, want := m.Signature.Outputs, Outputs(tc.task); !reflect.DeepEqual(got, want) {
				t.Errorf("signature outputs = %+v, want %+v", got, want)
			}
			rows, err := m.InputExample()
			if err != nil || len(rows) != 3 {
				t.Fatalf("input example: %d rows, %v", len(rows), err)
			}
			if tc.task == ml.TaskRegression {
				want, _ := p.PredictValueFrame(f)
				got, err := m.Predictor.PredictValueFrame(f)
				if err != nil || !reflect.DeepEqual(got, want) {
					t.Errorf("loaded predicts %v (%v), want %v", got, err, want)
				}
				return
			}
			want, wantLabels, _ := p.PredictProbaFrame(f)
			got, gotLabels, err := m.Predictor.PredictProbaFrame(f)
			if err != nil || !reflect.DeepEqual(got, want) || !reflect.DeepEqual(gotLabels, wantLabels) {
				t.Errorf("loaded predicts %v %q (%v), want %v %q", got, gotLabels, err, want, wantLabels)
			}
		})
	}
}

// TestLoadRefusesOtherOutputs checks that a signature whose outputs belong
// to another task is refused.
func TestLoadRefusesOtherOutputs(t *testing.T) {
	dir := mustSavedTask(t, ml.TaskMulticlass)
	path := filepath.Join(dir, MLmodelFile)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	i := strings.Index(string(b), "  outputs: ")
	j := i + strings.IndexByte(string(b[i:]), '\n')
	binary := `  outputs: '[{"type": "double", "name": "probability", "required": true}, {"type": "string", "name": "label", "required": true}]'`
	if err := os.WriteFile(path, []byte(string(b[:i])+binary+string(b[j:])), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Load(dir)
	if err == nil || !strings.Contains(err.Error(), "outputs are probability, label but a multiclass predictor gives probabilities, label") {
		t.Errorf("Load: err = %v, want one naming both outputs", err)
	}
}

func TestBinaryOutput(t *testing.T) {
	m, err := Load(mustSaved(t))
	if err != nil {
		t.Fatal(err)
	}
	want := Output{Task: ml.TaskBinary, Classes: []any{"no", "yes"}, Predict: PredictRecords}
	if got := m.Output(); !reflect.DeepEqual(got, want) {
		t.Errorf("Output = %+v, want %+v", got, want)
	}
}

func TestPredictorParamsTasks(t *testing.T) {
	for _, tc := range []struct {
		task string
		want []string
	}{
		{ml.TaskMulticlass, []string{"weir.learner=" + predictortest.Tag, "weir.target=job", "weir.task=multiclass", "weir.classes=manager,student,worker", "weir.inputs=age,balance,member,y", "weir.features=5"}},
		{ml.TaskRegression, []string{"weir.learner=gbdt", "weir.target=age", "weir.task=regression", "weir.inputs=balance,member,job,y", "weir.features=6"}},
	} {
		p, _ := jobTask(t, tc.task)
		var got []string
		for _, kv := range predictorParams(&Model{Predictor: p}) {
			got = append(got, kv.Key+"="+kv.Value)
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s params = %q, want %q", tc.task, got, tc.want)
		}
	}
}
