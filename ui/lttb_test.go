package ui

import (
	"math"
	"testing"
)

func TestLTTB(t *testing.T) {
	line := func(n int) ([]float64, []float64) {
		xs, ys := make([]float64, n), make([]float64, n)
		for i := range xs {
			xs[i], ys[i] = float64(i), float64(i%7)
		}
		return xs, ys
	}
	cases := []struct {
		name      string
		n, points int
		wantLen   int
	}{
		{"fewer points than asked", 10, 20, 10},
		{"as many as asked", 10, 10, 10},
		{"too few to downsample", 100, 2, 100},
		{"downsampled", 1000, 50, 50},
		{"three points", 1000, 3, 3},
		{"100k to 1000", 100_000, 1000, 1000},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			xs, ys := line(c.n)
			gx, gy := lttb(xs, ys, c.points)
			if got, want := len(gx), c.wantLen; got != want || len(gy) != want {
				t.Fatalf("len = %d, %d; want %d", got, len(gy), want)
			}
			if gx[0] != xs[0] || gx[len(gx)-1] != xs[len(xs)-1] {
				t.Errorf("first/last x = %v, %v; want %v, %v", gx[0], gx[len(gx)-1], xs[0], xs[len(xs)-1])
			}
			for i := 1; i < len(gx); i++ {
				if gx[i] <= gx[i-1] {
					t.Fatalf("x not increasing at %d: %v after %v", i, gx[i], gx[i-1])
				}
			}
		})
	}
}

// TestLTTBKeepsSpike checks the point of the algorithm: a single spike
// that striding would skip survives downsampling.
func TestLTTBKeepsSpike(t *testing.T) {
	n := 10_000
	xs, ys := make([]float64, n), make([]float64, n)
	for i := range xs {
		xs[i] = float64(i)
		ys[i] = math.Sin(float64(i) / 500)
	}
	ys[4321] = 50
	_, gy := lttb(xs, ys, 100)
	found := false
	for _, y := range gy {
		found = found || y == 50
	}
	if !found {
		t.Errorf("the spike at x=4321 was dropped")
	}
}

func BenchmarkLTTB100k(b *testing.B) {
	n := 100_000
	xs, ys := make([]float64, n), make([]float64, n)
	for i := range xs {
		xs[i], ys[i] = float64(i), math.Sin(float64(i)/300)
	}
	b.ReportAllocs()
	for b.Loop() {
		lttb(xs, ys, 1000)
	}
}
