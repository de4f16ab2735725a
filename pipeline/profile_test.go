package pipeline

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/weir-ml/weir/mlmodel"
	"github.com/weir-ml/weir/monitor"
)

// championProfile downloads the champion the runner registered and loads
// the reference profile it carries.
func championProfile(t *testing.T, r *Runner) *monitor.Profile {
	t.Helper()
	b := r.Backend
	dir, err := mlmodel.Resolve(context.Background(), "models:/small@champion", mlmodel.Sources{
		Runs: b.Tracking, LoggedModels: b.LoggedModels, Registry: b.Registry, Artifacts: b.Artifacts, DownloadDir: t.TempDir(),
	})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, mlmodel.ReferenceProfileFile))
	if err != nil {
		t.Fatalf("the logged champion has no reference profile: %v", err)
	}
	var p monitor.Profile
	if err := json.Unmarshal(raw, &p); err != nil {
		t.Fatalf("%s does not load as a monitor profile: %v", mlmodel.ReferenceProfileFile, err)
	}
	return &p
}

func TestRegisteredModelCarriesReferenceProfile(t *testing.T) {
	dir := t.TempDir()
	data := smallCSV(t, dir, false)
	ctx := context.Background()
	r := newTestRunner(t, dir, data)
	first, err := r.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p := championProfile(t, r)
	if p.Target == nil || p.Target.Name != "y" || p.Prediction == nil || p.Prediction.Name != predictionColumn {
		t.Fatalf("profile target %+v, prediction %+v; want y and %s", p.Target, p.Prediction, predictionColumn)
	}
	// smallCSV's training year is its first 600 rows.
	if got, want := p.Rows, int64(600); got != want {
		t.Errorf("profile rows = %d, want the %d training rows", got, want)
	}
	var names []string
	for _, c := range p.Columns {
		names = append(names, c.Name)
	}
	for _, leak := range []string{"after", "y", predictionColumn} {
		for _, n := range names {
			if n == leak {
				t.Errorf("profile feature columns %v include %s", names, leak)
			}
		}
	}

	// A cached rerun replays the same logged model, profile included.
	r = newTestRunner(t, dir, data)
	second, err := r.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if second.Champion.ModelID != first.Champion.ModelID {
		t.Fatalf("cached rerun champion %s, want %s", second.Champion.ModelID, first.Champion.ModelID)
	}
	championProfile(t, r)

	// A register step cached before models carried a profile runs again.
	os.Remove(filepath.Join(first.ModelDir, mlmodel.ReferenceProfileFile))
	r = newTestRunner(t, dir, data)
	third, err := r.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := statuses(third), "business=cached acquire=cached understand=cached validate=cached prepare=cached model=cached evaluate=cached register=ran deploy=ran monitor=ran"; got != want {
		t.Errorf("after the cached model lost its profile: %s, want %s", got, want)
	}
	if !hasReferenceProfile(third.ModelDir) {
		t.Errorf("rerun register step left no profile in %s", third.ModelDir)
	}
}
