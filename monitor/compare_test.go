package monitor

import (
	"math"
	"testing"
)

// TestCompareProfiles: drift between merged window profiles agrees with
// drift on the raw rows (exactly for categories, closely for numbers), and
// flags what Drift flags.
func TestCompareProfiles(t *testing.T) {
	ref := benchFrame(t, 20000, 6, 0, 1)
	cur := benchFrame(t, 20000, 6, 0.3, 2)
	for _, m := range []Method{"", KS, WassersteinN, JSDistance, PSIMethod, KLDiv, Hellinger, ChiSquareTest, ZTest} {
		opts := NewDriftOptions()
		opts.Method = m
		if m == KS || m == WassersteinN {
			opts.Columns = []string{"f0", "f1", "f3", "f4"}
		}
		raw, err := Drift(t.Context(), ref, cur, opts)
		if err != nil {
			t.Fatal(err)
		}
		rp, _ := NewProfile(ref, ProfileOptions{})
		// The current profile is merged from two halves, as two replicas
		// would send it.
		a, _ := cur.Slice(0, 7000)
		b, _ := cur.Slice(7000, cur.NumRows())
		cp, _ := NewProfile(a, ProfileOptions{})
		cb, _ := NewProfile(b, ProfileOptions{})
		if err := cp.Merge(roundTrip(t, cb)); err != nil {
			t.Fatal(err)
		}
		got, err := CompareProfiles(t.Context(), rp, cp, opts)
		if err != nil {
			t.Fatalf("%q: %v", m, err)
		}
		for i, g := range got.Columns {
			w := raw.Columns[i]
			if g.Method != w.Method || g.Drifted != w.Drifted {
				t.Errorf("%q %s: profile %s drifted %v (%v), raw %s drifted %v (%v)", m, g.Column, g.Method, g.Drifted, g.Score, w.Method, w.Drifted, w.Score)
			}
			tol := 1e-9
			if g.Kind == Numerical {
				tol = 0.05 * math.Max(1, math.Abs(float64(w.Score)))
			}
			if w.Method == KS {
				tol = 0.05 // p-values: a small shift in D moves them
			}
			if math.Abs(float64(g.Score-w.Score)) > tol && (g.Kind == Categorical || !g.Method.PValue()) {
				t.Errorf("%q %s (%s): profile score %v, raw %v", m, g.Column, g.Method, g.Score, w.Score)
			}
		}
	}
	rp, _ := NewProfile(ref, ProfileOptions{})
	opts := NewDriftOptions()
	opts.Method = CramerVonMises
	opts.Columns = []string{"f0"}
	got, err := CompareProfiles(t.Context(), rp, rp, opts)
	if err != nil || got.Columns[0].Skipped == "" {
		t.Errorf("cramer_von_mises on profiles: %+v, %v; want skipped", got, err)
	}
}
