package monitor

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestSortFloats(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, n := range []int{0, 1, 5, 1023, 1024, 5000} {
		v := make([]float64, n)
		for i := range v {
			switch i % 7 {
			case 0:
				v[i] = 0
			case 1:
				v[i] = math.Copysign(0, -1)
			case 2:
				v[i] = math.Inf(1 - 2*(i%2))
			case 3:
				v[i] = float64(rng.IntN(5)) // ties
			default:
				v[i] = rng.NormFloat64() * math.Pow(10, float64(rng.IntN(20)-10))
			}
		}
		want := slices.Clone(v)
		slices.Sort(want)
		sortFloats(v)
		for i := range v {
			// -0 and 0 are equal; either order is sorted.
			if v[i] != want[i] {
				t.Fatalf("n=%d: sorted[%d] = %v, want %v", n, i, v[i], want[i])
			}
		}
	}
}

func BenchmarkSortFloats(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	src := make([]float64, 1<<16)
	for i := range src {
		src[i] = math.Round(rng.NormFloat64()*1e4) / 1e4
	}
	v := make([]float64, len(src))
	for b.Loop() {
		copy(v, src)
		sortFloats(v)
	}
}

func BenchmarkSortFloatsPdq(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	src := make([]float64, 1<<16)
	for i := range src {
		src[i] = math.Round(rng.NormFloat64()*1e4) / 1e4
	}
	v := make([]float64, len(src))
	for b.Loop() {
		copy(v, src)
		slices.Sort(v)
	}
}
