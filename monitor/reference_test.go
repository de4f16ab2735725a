package monitor

import (
	"encoding/json"
	"math"
	"os"
	"slices"
	"testing"

	"github.com/weir-ml/weir/ml/frame"
)

// The fixtures come from tests/reference/gen_drift.py (SciPy 1.17.1 and
// Evidently 0.7.23). Every value must agree within 1e-6 in absolute terms,
// and p-values from SciPy within 1e-6 relative as well, so that tiny
// p-values are checked in their digits and not only against zero.
const (
	absTol = 1e-6
	relTol = 1e-6
)

func readFixture(t *testing.T, name string, v any) {
	t.Helper()
	b, err := os.ReadFile("../tests/reference/fixtures/" + name)
	if err != nil {
		t.Fatalf("reading fixture (run tests/reference/gen_drift.py): %v", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}

func close(got, want float64, rel bool) bool {
	if math.IsNaN(got) && math.IsNaN(want) {
		return true
	}
	d := math.Abs(got - want)
	if d > absTol {
		return false
	}
	return !rel || d <= relTol*math.Abs(want) || d < 1e-300
}

func sorted(v []float64) []float64 {
	out := slices.Clone(v)
	slices.Sort(out)
	return out
}

func TestSciPyReference(t *testing.T) {
	var fx struct {
		TwoSample []struct {
			Name        string
			A, B        []float64
			KS          [2]float64
			CVM         *[2]float64
			Wasserstein float64
		} `json:"two_sample"`
		ChiSquare []struct {
			Name              string
			Obs, Exp          []float64
			Statistic, PValue float64
		}
		Distributions []struct {
			Name          string
			P, Q          []float64
			JensenShannon float64
			KL            float64
		}
	}
	readFixture(t, "drift_scipy.json", &fx)
	for _, c := range fx.TwoSample {
		t.Run(c.Name, func(t *testing.T) {
			a, b := sorted(c.A), sorted(c.B)
			d, p, err := KS2Samp(a, b)
			if err != nil {
				t.Fatal(err)
			}
			if !close(d, c.KS[0], true) || !close(p, c.KS[1], true) {
				t.Errorf("KS2Samp = %.17g, %.17g, want %.17g, %.17g (ks_2samp)", d, p, c.KS[0], c.KS[1])
			}
			if got := Wasserstein(a, b); !close(got, c.Wasserstein, true) {
				t.Errorf("Wasserstein = %.17g, want %.17g", got, c.Wasserstein)
			}
			if c.CVM != nil {
				s, p, err := CramerVonMises2Samp(a, b)
				if err != nil {
					t.Fatal(err)
				}
				if !close(s, c.CVM[0], true) || !close(p, c.CVM[1], true) {
					t.Errorf("CramerVonMises2Samp = %.17g, %.17g, want %.17g, %.17g", s, p, c.CVM[0], c.CVM[1])
				}
			}
		})
	}
	for _, c := range fx.ChiSquare {
		s, p, err := ChiSquare(c.Obs, c.Exp)
		if err != nil {
			t.Fatal(err)
		}
		if !close(s, c.Statistic, true) || !close(p, c.PValue, true) {
			t.Errorf("%s: ChiSquare = %.17g, %.17g, want %.17g, %.17g", c.Name, s, p, c.Statistic, c.PValue)
		}
	}
	for _, c := range fx.Distributions {
		if got := JensenShannon(c.P, c.Q); !close(got, c.JensenShannon, true) {
			t.Errorf("%s: JensenShannon = %.17g, want %.17g", c.Name, got, c.JensenShannon)
		}
		if got := KLDivergence(c.P, c.Q); !close(got, c.KL, true) {
			t.Errorf("%s: KLDivergence = %.17g, want %.17g", c.Name, got, c.KL)
		}
	}
}

type evidentlyColumn struct {
	Name, Kind         string
	Reference, Current []*json.RawMessage
	Default            Method
	Results            map[Method]struct {
		Score     *float64
		Drifted   bool
		Threshold float64
		Error     string
	}
}

// column builds a frame column from fixture values (null = missing).
func (c evidentlyColumn) column(t *testing.T, vals []*json.RawMessage) frame.Column {
	t.Helper()
	if c.Kind == "num" {
		out := make([]float64, len(vals))
		for i, v := range vals {
			out[i] = math.NaN()
			if v != nil {
				if err := json.Unmarshal(*v, &out[i]); err != nil {
					t.Fatal(err)
				}
			}
		}
		return &frame.FloatColumn{Values: out}
	}
	cc := &frame.CategoricalColumn{Codes: make([]int32, len(vals))}
	index := map[string]int32{}
	for i, v := range vals {
		cc.Codes[i] = -1
		if v == nil {
			continue
		}
		var s string
		if err := json.Unmarshal(*v, &s); err != nil {
			t.Fatal(err)
		}
		code, ok := index[s]
		if !ok {
			code = int32(len(cc.Levels))
			index[s] = code
			cc.Levels = append(cc.Levels, s)
		}
		cc.Codes[i] = code
	}
	return cc
}

func TestEvidentlyReference(t *testing.T) {
	var fx struct{ Columns []evidentlyColumn }
	readFixture(t, "drift_evidently.json", &fx)
	for _, c := range fx.Columns {
		t.Run(c.Name, func(t *testing.T) {
			ref, err := frame.New([]string{c.Name}, []frame.Column{c.column(t, c.Reference)})
			if err != nil {
				t.Fatal(err)
			}
			cur, err := frame.New([]string{c.Name}, []frame.Column{c.column(t, c.Current)})
			if err != nil {
				t.Fatal(err)
			}
			d, err := Drift(t.Context(), ref, cur, NewDriftOptions())
			if err != nil {
				t.Fatal(err)
			}
			if got := d.Columns[0].Method; got != c.Default {
				t.Errorf("default method = %s, want %s (Evidently)", got, c.Default)
			}
			for _, m := range Methods {
				want := c.Results[m]
				if want.Error != "" {
					continue // Evidently refuses m on this column type
				}
				opts := NewDriftOptions()
				opts.Method = m
				d, err := Drift(t.Context(), ref, cur, opts)
				if err != nil {
					t.Errorf("%s: %v", m, err)
					continue
				}
				got := d.Columns[0]
				if got.Drifted != want.Drifted {
					t.Errorf("%s: drifted = %v, want %v (score %.17g)", m, got.Drifted, want.Drifted, float64(got.Score))
				}
				if got.Threshold != want.Threshold {
					t.Errorf("%s: threshold = %v, want %v", m, got.Threshold, want.Threshold)
				}
				if want.Score == nil {
					continue // Evidently's NaN (chi-square on one category); ours is defined
				}
				if !close(float64(got.Score), *want.Score, false) {
					t.Errorf("%s: score = %.17g, want %.17g (Evidently)", m, float64(got.Score), *want.Score)
				}
			}
		})
	}
}
