package pipeline

import (
	"slices"
	"testing"

	"github.com/weir-ml/weir/monitor"
)

func TestNameWindows(t *testing.T) {
	groups := []replayGroup{{name: "2009", rows: []int{10, 11, 12}}, {name: "2010", rows: []int{13, 14}}}
	preds := make([]monitor.Prediction, 5)
	for i := range preds {
		preds[i] = monitor.Prediction{Row: i, Score: 0.5}
	}
	ws, err := monitor.Windows(preds, monitor.WindowOptions{Size: 2})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range nameWindows(ws, groups) {
		got = append(got, w.Label)
	}
	if want := []string{"rows 1–2 (2009)", "rows 3–4 (2009 and 2010)", "row 5 (2010)"}; !slices.Equal(got, want) {
		t.Errorf("windows named %q, want %q", got, want)
	}
}
