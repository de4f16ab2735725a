package monitor

import (
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/weir-ml/weir/ml/frame"
)

// benchFrame is rows × cols of generated data: two in three columns
// numerical (normal, exponential, small integers in turn), the rest
// categorical with 8 levels. shift moves every distribution a little, as a
// drifted window would.
func benchFrame(tb testing.TB, rows, cols int, shift float64, seed uint64) *frame.Frame {
	tb.Helper()
	rng := rand.New(rand.NewPCG(seed, 2))
	names := make([]string, cols)
	columns := make([]frame.Column, cols)
	levels := []string{"a", "b", "c", "d", "e", "f", "g", "h"}
	for j := range cols {
		names[j] = "f" + strconv.Itoa(j)
		if j%3 == 2 {
			codes := make([]int32, rows)
			for i := range codes {
				k := int32(rng.IntN(8))
				if rng.Float64() < shift {
					k = 0
				}
				codes[i] = k
			}
			columns[j] = &frame.CategoricalColumn{Codes: codes, Levels: levels}
			continue
		}
		v := make([]float64, rows)
		for i := range v {
			switch j % 3 {
			case 0:
				v[i] = rng.NormFloat64() + shift
			default:
				if j%2 == 0 {
					v[i] = float64(rng.IntN(6))
				} else {
					v[i] = rng.ExpFloat64() * (1 + shift)
				}
			}
		}
		columns[j] = &frame.FloatColumn{Values: v}
	}
	f, err := frame.New(names, columns)
	if err != nil {
		tb.Fatal(err)
	}
	return f
}

func BenchmarkDrift(b *testing.B) {
	ref := benchFrame(b, 500_000, 20, 0, 1)
	cur := benchFrame(b, 500_000, 20, 0.05, 2)
	b.ResetTimer()
	for b.Loop() {
		if _, err := Drift(b.Context(), ref, cur, NewDriftOptions()); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkProfile(b *testing.B) {
	f := benchFrame(b, 500_000, 20, 0, 1)
	b.ResetTimer()
	for b.Loop() {
		if _, err := NewProfile(f, ProfileOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
