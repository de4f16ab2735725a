//go:build !weir_serve

package main

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/weir-ml/weir/ml/frame"
	"github.com/weir-ml/weir/mlmodel"
	"github.com/weir-ml/weir/monitor"
)

func TestDriftFlags(t *testing.T) {
	dir := t.TempDir()
	f, err := frame.ReadCSV(strings.NewReader(serveCSV), frame.CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := monitor.NewProfile(f, monitor.ProfileOptions{Target: "y"})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(p)
	model := filepath.Join(dir, "model")
	os.Mkdir(model, 0o755)
	os.WriteFile(filepath.Join(model, mlmodel.ReferenceProfileFile), b, 0o644)
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"format_version": 99}`), 0o644)
	ok := driftFlags{DriftWindow: 100, DriftInterval: time.Second, DriftMinRows: 10}

	d, err := ok.driftMonitor(model)
	if err != nil || d == nil || d.Window != 100 || len(d.Reference.Columns) != 3 {
		t.Errorf("from the model directory: %+v, %v", d, err)
	}
	if d, err := ok.driftMonitor(dir); d != nil || err != nil {
		t.Errorf("model without a profile: %v, %v, want no monitor and no error", d, err)
	}
	for _, f := range []driftFlags{
		{DriftReference: bad, DriftWindow: 100, DriftInterval: time.Second},
		{DriftReference: filepath.Join(dir, "missing.json"), DriftWindow: 100, DriftInterval: time.Second},
		{DriftWindow: 0, DriftInterval: time.Second},
	} {
		var ue *usageError
		if _, err := f.driftMonitor(model); !errors.As(err, &ue) {
			t.Errorf("%+v: err = %v, want a usage error", f, err)
		}
	}
}
