package serve

import (
	"context"
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/weir-ml/weir/monitor"
)

// TestDashboardMetricsExist keeps deploy/grafana/weir.json honest: every
// metric its queries name is one the server exports.
func TestDashboardMetricsExist(t *testing.T) {
	b, err := os.ReadFile("../deploy/grafana/weir.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string
			Targets []struct{ Expr string }
		}
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatalf("dashboard is not JSON: %v", err)
	}
	d := NewDriftMonitor(mustReference(t, 500))
	d.Window, d.MinRows, d.Interval = 200, 10, time.Hour
	s := mustServer(t, loadedFake(newFakeModel(), "1"), func(s *Server) { s.Drift = d })
	sendRows(t, s, 50, false, 1)
	// Label the rows (positive when scored above 0.4) for the AUC gauge.
	d.mu.Lock()
	labels := map[monitor.LabelKey]float64{}
	for i := range d.filled {
		labels[d.keys[i]] = 0
		if d.scores[i] > 0.4 {
			labels[d.keys[i]] = 1
		}
	}
	d.mu.Unlock()
	if n := d.Label(labels); n != 50 {
		t.Fatalf("labelled %d rows, want 50", n)
	}
	if err := d.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	metrics := do(t, s.Handler(), "GET", "/metrics", "", "").body
	name := regexp.MustCompile(`weir_\w+`)
	n := 0
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			for _, m := range name.FindAllString(tg.Expr, -1) {
				n++
				if !strings.Contains(metrics, "\n"+m+"{") && !strings.Contains(metrics, "\n"+m+" ") {
					t.Errorf("panel %q queries %s, which /metrics does not export", p.Title, m)
				}
			}
		}
	}
	if n < 10 {
		t.Errorf("dashboard queries %d metrics, want at least 10", n)
	}
}
