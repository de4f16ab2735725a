package main

import (
	"os"
	"path/filepath"
	"time"

	"github.com/weir-ml/weir/mlmodel"
	"github.com/weir-ml/weir/monitor"
	"github.com/weir-ml/weir/serve"
)

// driftFlags turn on the scoring server's drift gauges. modelsServeCmd
// embeds them and sets serve.Server.Drift from driftMonitor.
type driftFlags struct {
	DriftReference string        `help:"Reference profile JSON for drift gauges on /metrics (default: the model's reference_profile.json, when it has one)."`
	DriftWindow    int           `help:"Drift gauges: recent rows tested." default:"10000"`
	DriftInterval  time.Duration `help:"Drift gauges: how often the window is tested." default:"1m"`
	DriftMinRows   int           `help:"Drift gauges: fewest rows worth testing." default:"200"`
}

// driftMonitor returns the drift monitor the flags ask for, reading the
// reference from --drift-reference or else from modelDir (which may be
// empty); nil when there is no reference, so serving works without one.
func (f *driftFlags) driftMonitor(modelDir string) (*serve.DriftMonitor, error) {
	if f.DriftReference != "" || modelDir == "" {
		return f.driftMonitorFrom(nil)
	}
	b, err := os.ReadFile(filepath.Join(modelDir, mlmodel.ReferenceProfileFile))
	if err != nil {
		return nil, nil
	}
	return f.driftMonitorFrom(b)
}

// driftMonitorFrom builds the monitor from --drift-reference, else from the
// model's own profile bytes (nil when it has none: no drift gauges).
func (f *driftFlags) driftMonitorFrom(modelProfile []byte) (*serve.DriftMonitor, error) {
	b, source := modelProfile, mlmodel.ReferenceProfileFile
	if f.DriftReference != "" {
		var err error
		if b, err = os.ReadFile(f.DriftReference); err != nil {
			return nil, usagef("--drift-reference: %v", err)
		}
		source = f.DriftReference
	}
	if b == nil {
		return nil, nil
	}
	ref, err := monitor.ReadProfile(b)
	if err != nil {
		return nil, usagef("%s: %v", source, err)
	}
	d := serve.NewDriftMonitor(ref)
	d.Window, d.Interval, d.MinRows = f.DriftWindow, f.DriftInterval, f.DriftMinRows
	if d.Window <= 0 || d.Interval <= 0 || d.MinRows < 0 {
		return nil, usagef("--drift-window (%d) and --drift-interval (%v) must be positive, --drift-min-rows (%d) not negative", d.Window, d.Interval, d.MinRows)
	}
	return d, nil
}
