package monitor

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func TestRunsAddSortedMatchesRunsOf(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, tt := range []struct {
		name     string
		distinct int
		chunks   []int
	}{
		{"one chunk", 10, []int{50}},
		{"few values, many chunks", 4, []int{3, 1, 7, 20, 2}},
		{"all new", 1e9, []int{100, 100, 100}},
		{"empty chunk", 5, []int{10, 0, 10}},
	} {
		var all []float64
		var r runs
		for _, n := range tt.chunks {
			chunk := make([]float64, n)
			for i := range chunk {
				chunk[i] = float64(rng.IntN(min(tt.distinct, 1<<30))) - 2
			}
			all = append(all, chunk...)
			slices.Sort(chunk)
			if len(r.v) == 0 {
				r = runsOf(chunk)
			} else {
				r.addSorted(chunk)
			}
		}
		slices.Sort(all)
		want := runsOf(all)
		if !slices.Equal(r.v, want.v) || !slices.Equal(r.c, want.c) || r.n != want.n {
			t.Errorf("%s: got %v %v n=%v, want %v %v n=%v", tt.name, r.v, r.c, r.n, want.v, want.c, want.n)
		}
	}
}
