package serve

import (
	"context"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/weir-ml/weir/ml/frame"
	"github.com/weir-ml/weir/monitor"
)

// mustReference profiles n rows like the fake model's traffic: ages 20–59,
// jobs admin./manager, balances 0–999, and the fake's score age/100.
func mustReference(t *testing.T, n int) *monitor.Profile {
	t.Helper()
	r := rand.New(rand.NewPCG(1, 1))
	age, bal, score := make([]float64, n), make([]float64, n), make([]float64, n)
	job := &frame.CategoricalColumn{Codes: make([]int32, n), Levels: []string{"admin.", "manager"}}
	for i := range n {
		age[i] = float64(20 + r.IntN(40))
		bal[i] = float64(r.IntN(1000))
		score[i] = age[i] / 100
		job.Codes[i] = int32(r.IntN(2))
	}
	f, err := frame.New([]string{"age", "job", "balance", "prediction"},
		[]frame.Column{&frame.FloatColumn{Values: age}, job, &frame.FloatColumn{Values: bal}, &frame.FloatColumn{Values: score}})
	if err != nil {
		t.Fatal(err)
	}
	p, err := monitor.NewProfile(f, monitor.ProfileOptions{Prediction: "prediction"})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// sendRows scores n rows through /invocations; shifted sends older
// students.
func sendRows(t *testing.T, s *Server, n int, shifted bool, seed uint64) {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 2))
	var b strings.Builder
	b.WriteString(`{"dataframe_split": {"columns": ["age", "job", "balance"], "data": [`)
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		age, job := 20+r.IntN(40), []string{"admin.", "manager"}[r.IntN(2)]
		if shifted {
			age, job = 60+r.IntN(30), "student"
		}
		fmt.Fprintf(&b, `[%d, %q, %d]`, age, job, r.IntN(1000))
	}
	b.WriteString("]}}")
	if got := do(t, s.Handler(), "POST", "/invocations", "application/json", b.String()); got.code != 200 {
		t.Fatalf("POST /invocations = %d %s", got.code, got.body)
	}
}

var gaugeLine = regexp.MustCompile(`(?m)^(weir_\w+)\{([^}]*)\} (\S+)$`)

// gauges reads the gauges of /metrics the drift monitor exports (all but
// weir_serve_*), keyed by name and labels.
func gauges(t *testing.T, s *Server) map[string]float64 {
	t.Helper()
	body := do(t, s.Handler(), "GET", "/metrics", "", "").body
	out := map[string]float64{}
	for _, m := range gaugeLine.FindAllStringSubmatch(body, -1) {
		if strings.HasPrefix(m[1], "weir_serve_") {
			continue
		}
		v, err := strconv.ParseFloat(m[3], 64)
		if err != nil {
			t.Fatalf("gauge %s{%s} value %q: %v", m[1], m[2], m[3], err)
		}
		out[m[1]+"{"+m[2]+"}"] = v
	}
	return out
}

func TestDriftGauges(t *testing.T) {
	d := NewDriftMonitor(mustReference(t, 2000))
	d.Window, d.MinRows, d.Interval = 500, 100, time.Hour // checks run by hand
	s := mustServer(t, loadedFake(newFakeModel(), "3"), func(s *Server) { s.Drift = d })
	ctx := context.Background()
	const job = `weir_feature_drifted{model="bank",version="3",feature="job"}`
	const share = `weir_dataset_drift_share{model="bank",version="3"}`

	sendRows(t, s, 50, false, 1)
	if err := d.Check(ctx); err != nil {
		t.Fatal(err)
	}
	if g := gauges(t, s); len(g) != 0 {
		t.Errorf("gauges below MinRows: %v, want none", g)
	}

	sendRows(t, s, 450, false, 2)
	if err := d.Check(ctx); err != nil {
		t.Fatal(err)
	}
	g := gauges(t, s)
	if got, ok := g[job]; !ok || got != 0 {
		t.Errorf("%s = %v (present %v), want 0 on traffic like the reference; gauges %v", job, got, ok, g)
	}
	if got := g[share]; got != 0 {
		t.Errorf("%s = %v, want 0", share, got)
	}
	if got := g[`weir_drift_window_rows{model="bank",version="3"}`]; got != 500 {
		t.Errorf("window rows = %v, want 500", got)
	}
	if _, ok := g[`weir_feature_drift{model="bank",version="3",feature="age",test="wasserstein"}`]; !ok {
		t.Errorf("no age score with its test in %v", g)
	}

	// Shifted traffic fills the window and pushes the old rows out.
	sendRows(t, s, 500, true, 3)
	if err := d.Check(ctx); err != nil {
		t.Fatal(err)
	}
	g = gauges(t, s)
	if got := g[job]; got != 1 {
		t.Errorf("%s = %v after shifted traffic, want 1", job, got)
	}
	if got := g[`weir_feature_drifted{model="bank",version="3",feature="prediction"}`]; got != 1 {
		t.Errorf("prediction drifted = %v, want 1", got)
	}
	if got := g[share]; got < 0.6 {
		t.Errorf("%s = %v, want age and job of the three features", share, got)
	}

	// A new version starts an empty window.
	if err := s.Swap(loadedFake(newFakeModel(), "4")); err != nil {
		t.Fatal(err)
	}
	sendRows(t, s, 10, false, 4)
	d.mu.Lock()
	filled := d.filled
	d.mu.Unlock()
	if filled != 10 {
		t.Errorf("window after a swap holds %d rows, want 10", filled)
	}
}

func TestDriftMonitorOpenErrors(t *testing.T) {
	ref := mustReference(t, 100)
	tests := []struct {
		name string
		d    *DriftMonitor
	}{
		{"no reference", NewDriftMonitor(nil)},
		{"zero window", &DriftMonitor{Reference: ref, Interval: time.Second}},
		{"zero interval", &DriftMonitor{Reference: ref, Window: 10}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewServer()
			s.Model, s.Logger, s.Drift = loadedFake(newFakeModel(), "1"), discardLogger(), tt.d
			if err := s.Init(); err == nil {
				s.Close()
				t.Error("Init succeeded, want an error")
			}
		})
	}
}
