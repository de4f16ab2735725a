package monitor

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/weir-ml/weir/ml/frame"
)

// TestReport renders a report whose names carry markup and checks that the
// page escapes them, draws its plots inline and has a JSON twin that reads
// back.
func TestReport(t *testing.T) {
	evil := `<script>alert("x")</script>`
	ref, err := framesWithName(t, evil, 0)
	if err != nil {
		t.Fatal(err)
	}
	cur, err := framesWithName(t, evil, 2)
	if err != nil {
		t.Fatal(err)
	}
	opts := NewDriftOptions()
	opts.Target = "y"
	d, err := Drift(t.Context(), ref, cur, opts)
	if err != nil {
		t.Fatal(err)
	}
	ws, err := Windows(calibrated(300, 4), WindowOptions{Size: 100})
	if err != nil {
		t.Fatal(err)
	}
	alerts, err := Evaluate([]Rule{{Name: evil, Kind: RuleDriftShare}}, d, ws)
	if err != nil {
		t.Fatal(err)
	}
	r := &Report{Title: "bank " + evil, Generated: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC), Drift: d, Windows: ws, Alerts: alerts,
		ReferenceTargetRate: 0.1, CurrentTargetRate: 0.3}
	var html bytes.Buffer
	if err := r.WriteHTML(&html); err != nil {
		t.Fatal(err)
	}
	page := html.String()
	if strings.Contains(page, "<script") {
		t.Error("report holds an unescaped <script> from data")
	}
	for _, want := range []string{"&lt;script&gt;", "<svg", "Dataset drift detected", "Performance over windows", "Target and prediction drift", "estimated ROC AUC"} {
		if !strings.Contains(page, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if strings.Contains(page, "http://") || strings.Contains(page, "https://") || strings.Contains(page, "src=") {
		t.Error("report refers to something outside itself")
	}
	var js bytes.Buffer
	if err := r.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(js.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if back.Drift.Drifted != d.Drifted || len(back.Windows) != 3 || back.Alerts[0].Rule != evil || back.Drift.Columns[0].Distribution == nil {
		t.Errorf("JSON twin read back as %+v", back)
	}
}

// framesWithName is a frame whose numerical column is named name and whose
// categorical column has name among its levels, shifted by shift.
func framesWithName(t *testing.T, name string, shift float64) (*frame.Frame, error) {
	t.Helper()
	n := 2000
	x := spread(n, shift)
	var c []string
	y := make([]float64, n)
	for i := range n {
		c = append(c, []string{name, "b", "c"}[(i+int(shift))%3])
		if i%7 < int(2+shift) {
			y[i] = 1
		}
	}
	return frame.New([]string{name, "job", "y"}, []frame.Column{floats(x...), cats(c...), floats(y...)})
}
