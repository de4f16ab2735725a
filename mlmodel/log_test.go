package mlmodel

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/weir-ml/weir/artifact"
	"github.com/weir-ml/weir/tracking"
)

// newLogServer returns a fake with run "run1" in experiment "1" whose
// uploads land in an artifact.Dir, and that Dir.
func newLogServer(t *testing.T) (*fakeServer, *artifact.Dir) {
	t.Helper()
	s := newFakeServer()
	s.runs["run1"] = &tracking.Run{
		Info: tracking.RunInfo{RunID: "run1", ExperimentID: "1", ArtifactURI: "mlflow-artifacts:/1/run1/artifacts"},
		Data: tracking.RunData{
			Params: []tracking.Param{{Key: "C", Value: "1.0"}},
			Tags:   []tracking.Tag{{Key: "mlflow.user", Value: "ana"}, {Key: "mlflow.runName", Value: "r"}, {Key: "mlflow.source.name", Value: "weir"}},
		},
	}
	store := artifact.NewDir(t.TempDir())
	s.uploader = Files{Proxied: store}
	return s, store
}

func sinks(s *fakeServer) Sinks { return Sinks{Runs: s, LoggedModels: s, Artifacts: s} }

func TestLog(t *testing.T) {
	s, store := newLogServer(t)
	dir := mustSaved(t)
	before, err := os.ReadFile(filepath.Join(dir, MLmodelFile))
	if err != nil {
		t.Fatal(err)
	}
	lm, err := Log(context.Background(), dir, "run1", "churn", sinks(s))
	if err != nil {
		t.Fatal(err)
	}
	id := "m-00000000000000000000000000000001"
	wantCalls := []string{
		"GetRun run1",
		"CreateLoggedModel 1 churn run1 [{C 1.0}] [{mlflow.user ana} {mlflow.source.name weir}]",
		"Upload code/weir_pyfunc.py",
		"Upload conda.yaml",
		"Upload input_example.json",
		"Upload predictor.json",
		"Upload python_env.yaml",
		"Upload requirements.txt",
		"Upload serving_input_example.json",
		"Upload MLmodel",
		"LogLoggedModelParams " + id,
		"LogOutputs run1 [{" + id + " 0}]",
		"FinalizeLoggedModel " + id + " LOGGED_MODEL_READY",
	}
	if !reflect.DeepEqual(s.calls, wantCalls) {
		t.Errorf("calls:\n%s\nwant:\n%s", strings.Join(s.calls, "\n"), strings.Join(wantCalls, "\n"))
	}
	if lm.Status != tracking.LoggedModelReady {
		t.Errorf("status %s, want %s", lm.Status, tracking.LoggedModelReady)
	}
	params := map[string]string{}
	for _, p := range s.models[id].Params {
		params[p.Key] = p.Value
	}
	for k, want := range map[string]string{"C": "1.0", "weir.learner": "logistic_regression", "weir.target": "y",
		"weir.positive_class": "yes", "weir.threshold": "0.5", "weir.inputs": "age,balance,member,job"} {
		if params[k] != want {
			t.Errorf("param %s = %q, want %q", k, params[k], want)
		}
	}
	// The uploaded MLmodel names the logged model; the local one is untouched.
	after, _ := os.ReadFile(filepath.Join(dir, MLmodelFile))
	if string(after) != string(before) {
		t.Error("Log changed the local MLmodel file")
	}
	down := t.TempDir()
	if err := (Files{Proxied: store}).Download(context.Background(), lm.ArtifactURI, down); err != nil {
		t.Fatal(err)
	}
	m, err := Load(down)
	if err != nil {
		t.Fatal(err)
	}
	f := m.MLmodel
	if f.ModelID != id || f.ModelUUID != id || f.RunID != "run1" || f.ArtifactPath != lm.ArtifactURI {
		t.Errorf("uploaded MLmodel has model_id %q uuid %q run_id %q artifact_path %q", f.ModelID, f.ModelUUID, f.RunID, f.ArtifactPath)
	}
}

func TestLogFailures(t *testing.T) {
	boom := errors.New("boom")
	for _, tc := range []struct {
		name         string
		fail         string
		wantFinalize string // "" when no model was created to finalize
	}{
		{"run", "GetRun", ""},
		{"create", "CreateLoggedModel", ""},
		{"upload", "Upload", tracking.LoggedModelUploadFailed},
		{"params", "LogLoggedModelParams", tracking.LoggedModelUploadFailed},
		{"outputs", "LogOutputs", tracking.LoggedModelUploadFailed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := newLogServer(t)
			s.fail[tc.fail] = boom
			_, err := Log(context.Background(), mustSaved(t), "run1", "m", sinks(s))
			if !errors.Is(err, boom) {
				t.Fatalf("Log: err = %v, want boom", err)
			}
			var finalized []string
			for _, c := range s.calls {
				if strings.HasPrefix(c, "FinalizeLoggedModel") {
					finalized = append(finalized, c[strings.LastIndex(c, " ")+1:])
				}
				if tc.fail == "Upload" && strings.HasPrefix(c, "LogOutputs") {
					t.Error("linked the model to the run after its upload failed")
				}
			}
			var want []string
			if tc.wantFinalize != "" {
				want = []string{tc.wantFinalize}
			}
			if !reflect.DeepEqual(finalized, want) {
				t.Errorf("finalized as %v, want %v (calls %q)", finalized, want, s.calls)
			}
		})
	}
}

func TestLogCanceledStillMarksFailed(t *testing.T) {
	s, _ := newLogServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sk := sinks(s)
	sk.Artifacts = uploaderFunc(func(ctx context.Context, uri, path string) error {
		cancel()
		return ctx.Err()
	})
	_, err := Log(ctx, mustSaved(t), "run1", "m", sk)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Log: err = %v, want context.Canceled", err)
	}
	if last := s.calls[len(s.calls)-1]; !strings.HasSuffix(last, tracking.LoggedModelUploadFailed) {
		t.Errorf("last call %q, want the model finalized as failed", last)
	}
}

type uploaderFunc func(ctx context.Context, uri, path string) error

func (f uploaderFunc) Upload(ctx context.Context, uri, path string, r io.Reader) error {
	return f(ctx, uri, path)
}

func TestLogRefusesBadInput(t *testing.T) {
	s, _ := newLogServer(t)
	for _, tc := range []struct {
		name, dir, run, want string
		sinks                Sinks
	}{
		{"no sinks", mustSaved(t), "run1", "needs", Sinks{}},
		{"no run", mustSaved(t), "", "no run ID", sinks(s)},
		{"not a model", t.TempDir(), "run1", "no MLmodel", sinks(s)},
		{"unknown run", mustSaved(t), "nope", "run nope not found", sinks(s)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s.calls = nil
			_, err := Log(context.Background(), tc.dir, tc.run, "m", tc.sinks)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Log: err = %v, want one containing %q", err, tc.want)
			}
			for _, c := range s.calls {
				if strings.HasPrefix(c, "CreateLoggedModel") {
					t.Errorf("created a logged model for bad input: %q", s.calls)
				}
			}
		})
	}
}
