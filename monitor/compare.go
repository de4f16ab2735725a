package monitor

import (
	"context"
	"math"

	"github.com/weir-ml/weir"
)

// CompareProfiles runs drift tests between two profiles, without raw rows:
// a reference profile saved with the model against the merged profiles of
// a window's replicas. Categorical columns are tested on their exact
// frequencies, with the same results as Drift (until a column exceeds
// MaxCategories). Numerical columns are tested on their sketches: the
// distances over the sketch buckets, Wasserstein between the bucketed
// distributions, KS on the bucketed CDFs with the asymptotic p-value; these
// approximate Drift's scores within the sketch's resolution. Cramér–von
// Mises needs ranks, which a sketch does not keep: a numerical column asked
// for it is skipped with that reason.
func CompareProfiles(ctx context.Context, ref, cur *Profile, opts DriftOptions) (d *DatasetDrift, err error) {
	defer weir.Wrap(&err, "monitor.CompareProfiles")
	if err := opts.check(); err != nil {
		return nil, err
	}
	curCols := map[string]*ColumnProfile{}
	for _, c := range cur.Columns {
		curCols[c.Name] = c
	}
	d = &DatasetDrift{DriftShare: opts.DriftShare}
	for _, rc := range ref.Columns {
		if opts.Columns != nil && !contains(opts.Columns, rc.Name) {
			continue
		}
		cc := curCols[rc.Name]
		if cc == nil {
			return nil, weir.Errorf(weir.ErrInvalidParameterValue, "current profile has no column %q", rc.Name)
		}
		r, err := opts.compareColumn(rc, cc)
		if err != nil {
			return nil, err
		}
		d.Columns = append(d.Columns, r)
		if r.Skipped == "" {
			d.Tested++
			if r.Drifted {
				d.Drifted++
			}
		}
	}
	for _, pair := range []struct {
		r, c *ColumnProfile
		out  **ColumnDrift
	}{{ref.Target, cur.Target, &d.Target}, {ref.Prediction, cur.Prediction, &d.Prediction}} {
		if pair.r != nil && pair.c != nil {
			r, err := opts.compareColumn(pair.r, pair.c)
			if err != nil {
				return nil, err
			}
			*pair.out = &r
		}
	}
	if d.Tested > 0 {
		d.Share = float64(d.Drifted) / float64(d.Tested)
		d.DatasetDrifted = d.Share >= d.DriftShare
	}
	return d, ctx.Err()
}

func contains(names []string, s string) bool {
	for _, n := range names {
		if n == s {
			return true
		}
	}
	return false
}

// profileSample turns a categorical column profile into the sample form the
// tests read; values folded into Other count as one category, "(other)".
func profileSample(c *ColumnProfile) *sample {
	s := &sample{kind: c.Kind, rows: int(c.Count), n: int(c.Present())}
	if c.Kind == Categorical {
		s.counts = make(map[string]int, len(c.Frequencies)+1)
		for k, v := range c.Frequencies {
			s.counts[k] = int(v)
		}
		if c.Other > 0 {
			s.counts["(other)"] = int(c.Other)
		}
	}
	return s
}

func (o DriftOptions) compareColumn(rc, cc *ColumnProfile) (ColumnDrift, error) {
	if rc.Kind != cc.Kind {
		return ColumnDrift{}, weir.Errorf(weir.ErrInvalidParameterValue, "column %q is %s in the reference profile and %s in the current one", rc.Name, rc.Kind, cc.Kind)
	}
	r := ColumnDrift{Column: rc.Name, Kind: rc.Kind, RefRows: int(rc.Count), CurRows: int(cc.Count), RefPresent: int(rc.Present()), CurPresent: int(cc.Present())}
	var vals []float64
	var rcnt, ccnt []float64
	if rc.Kind == Numerical {
		vals, rcnt, ccnt = jointBuckets(rc.Sketch, cc.Sketch)
	} else {
		_, rcnt, ccnt = jointCounts(profileSample(rc), profileSample(cc))
	}
	m := o.Methods[rc.Name]
	if m == "" {
		m = o.Method
	}
	if m == "" {
		m = DefaultMethod(rc.Kind, r.RefPresent, len(rcnt))
	}
	r.Method, r.Threshold = m, m.DefaultThreshold()
	if o.Threshold > 0 {
		r.Threshold = o.Threshold
	}
	if t, ok := o.Thresholds[rc.Name]; ok {
		r.Threshold = t
	}
	switch {
	case r.RefPresent == 0:
		r.Skipped = "no values in the reference"
	case r.CurPresent == 0:
		r.Skipped = "no values in the current data"
	case m == CramerVonMises:
		r.Skipped = "cramer_von_mises needs raw values; a profile keeps a sketch"
	case m.numericalOnly() && rc.Kind != Numerical:
		return r, weir.Errorf(weir.ErrInvalidParameterValue, "column %q is categorical; %s needs numbers", rc.Name, m)
	}
	if r.Skipped != "" {
		return r, nil
	}
	nr, nc := float64(r.RefPresent), float64(r.CurPresent)
	stat := math.NaN()
	var score float64
	switch m {
	case KS:
		stat = cdfDistance(rcnt, ccnt, nr, nc)
		en := math.Round(nr * nc / (nr + nc))
		score = clamp01(kolmogorovSF(int(max(en, 1)), stat))
	case WassersteinN:
		stat = bucketWasserstein(vals, rcnt, ccnt, nr, nc)
		score = stat / max(rc.Std(), 0.001)
	case ChiSquareTest:
		exp := make([]float64, len(rcnt))
		for i := range rcnt {
			exp[i] = rcnt[i] * nc / nr
		}
		var err error
		if stat, score, err = ChiSquare(ccnt, exp); err != nil {
			return r, err
		}
	case ZTest:
		if len(rcnt) == 1 {
			stat, score = 0, 1
		} else {
			stat, score = ZTestProportions(nr-rcnt[0], nr, nc-ccnt[0], nc)
		}
	case JSDistance:
		rb, cb := binsFor(rc, cc, rcnt, ccnt, vals, m)
		score = JensenShannon(shares(rb, int(nr)), shares(cb, int(nc)))
	case PSIMethod, KLDiv, Hellinger:
		rb, cb := binsFor(rc, cc, rcnt, ccnt, vals, m)
		rp, cp := shares(rb, int(nr)), shares(cb, int(nc))
		switch m {
		case Hellinger:
			var bc float64
			for i := range rp {
				bc += math.Sqrt(rp[i] * cp[i])
			}
			score = math.Sqrt(1 - min(1, max(0, bc)))
		case PSIMethod:
			fillZeros(rp)
			fillZeros(cp)
			score = PSI(rp, cp)
		default:
			fillZeros(rp)
			fillZeros(cp)
			score = KLDivergence(rp, cp)
		}
	}
	r.Score, r.Statistic = Number(score), Number(stat)
	r.Drifted = m.Drifted(score, r.Threshold)
	return r, nil
}

// jointBuckets aligns two sketches' buckets in ascending value order.
func jointBuckets(a, b *Sketch) (vals, ac, bc []float64) {
	ab, bb := a.buckets(), b.buckets()
	var i, j int
	for i < len(ab) || j < len(bb) {
		switch {
		case j == len(bb) || i < len(ab) && ab[i].value < bb[j].value:
			vals, ac, bc = append(vals, ab[i].value), append(ac, float64(ab[i].count)), append(bc, 0)
			i++
		case i == len(ab) || bb[j].value < ab[i].value:
			vals, ac, bc = append(vals, bb[j].value), append(ac, 0), append(bc, float64(bb[j].count))
			j++
		default:
			vals, ac, bc = append(vals, ab[i].value), append(ac, float64(ab[i].count)), append(bc, float64(bb[j].count))
			i, j = i+1, j+1
		}
	}
	return vals, ac, bc
}

// cdfDistance is the largest gap between two bucketed CDFs.
func cdfDistance(ac, bc []float64, na, nb float64) float64 {
	var fa, fb, d float64
	for i := range ac {
		fa, fb = fa+ac[i], fb+bc[i]
		d = max(d, math.Abs(fa/na-fb/nb))
	}
	return d
}

// bucketWasserstein is the area between the bucketed CDFs, each bucket's
// values placed at its representative value.
func bucketWasserstein(vals, ac, bc []float64, na, nb float64) float64 {
	var fa, fb, area float64
	for i := 0; i+1 < len(vals); i++ {
		fa, fb = fa+ac[i], fb+bc[i]
		area += math.Abs(fa/na-fb/nb) * (vals[i+1] - vals[i])
	}
	return area
}

// binsFor gathers sketch buckets into the bins Drift would use: Sturges
// bins over the combined range when the reference has more than 20 distinct
// values (here: buckets), each bucket counted where its representative value
// falls (Hellinger's bins span the range of distinct values, which the
// profiles' min and max also give). Categories and few-valued columns stay
// as they are.
func binsFor(rc, cc *ColumnProfile, rcnt, ccnt, vals []float64, m Method) ([]float64, []float64) {
	if rc.Kind != Numerical {
		return rcnt, ccnt
	}
	refBuckets := 0
	for _, v := range rcnt {
		if v > 0 {
			refBuckets++
		}
	}
	if refBuckets <= 20 && m != Hellinger {
		return rcnt, ccnt
	}
	lo := min(float64(rc.Min), float64(cc.Min))
	hi := max(float64(rc.Max), float64(cc.Max))
	n := int(rc.Present() + cc.Present())
	if m == Hellinger {
		n = len(vals) // Evidently bins the distinct values
	}
	edges := sturgesEdges(lo, hi, n)
	nb := len(edges) - 1
	rb, cb := make([]float64, nb), make([]float64, nb)
	for i, v := range vals {
		v = min(edges[nb], max(edges[0], v))
		k := min(nb-1, int((v-edges[0])/(edges[nb]-edges[0])*float64(nb)))
		rb[k] += rcnt[i]
		cb[k] += ccnt[i]
	}
	return rb, cb
}
