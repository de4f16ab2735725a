package monitor

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"slices"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/ml/frame"
)

// ProfileFormatVersion is written in every serialised profile; readers
// refuse other versions rather than guess.
const ProfileFormatVersion = 1

// MaxCategories bounds the distinct values a categorical column profile
// keeps; the rarest beyond it are counted together in Other.
const MaxCategories = 1000

// Profile summarises a dataset without its rows: per column the kind, the
// counts, and a quantile sketch (numbers) or category frequencies, plus the
// prediction distribution and the target rate. Profiles merge: the merge of
// the profiles of two parts is the profile of the whole (exactly for counts,
// sketches and frequencies; sums up to floating-point rounding), so replicas
// and time windows combine without raw rows.
type Profile struct {
	FormatVersion int              `json:"format_version"`
	Rows          int64            `json:"rows"`
	Columns       []*ColumnProfile `json:"columns"`
	// Prediction profiles the model's score column, Target the label; nil
	// when not profiled.
	Prediction *ColumnProfile `json:"prediction,omitempty"`
	Target     *ColumnProfile `json:"target,omitempty"`
	// PositiveLabel is the target value counted as positive when the
	// target is categorical ("yes", "1", "true" ...).
	PositiveLabel string `json:"positive_label,omitempty"`
}

// ColumnProfile summarises one column.
type ColumnProfile struct {
	Name    string `json:"name"`
	Kind    Kind   `json:"kind"`
	Count   int64  `json:"count"`   // rows
	Missing int64  `json:"missing"` // rows without a value (NaN, ±Inf, missing)
	// Numerical columns.
	Min    Number  `json:"min,omitempty"`
	Max    Number  `json:"max,omitempty"`
	Sum    float64 `json:"sum,omitempty"`
	SumSq  float64 `json:"sum_sq,omitempty"`
	Sketch *Sketch `json:"sketch,omitempty"`
	// Categorical columns.
	Frequencies map[string]int64 `json:"frequencies,omitempty"`
	Other       int64            `json:"other,omitempty"`
}

// ProfileOptions name the special columns of a profiled dataset.
type ProfileOptions struct {
	Target, Prediction string
	// PositiveLabel is the positive class of a categorical target; empty
	// means "1", "yes" or "true", whichever the data has.
	PositiveLabel string
	// Categorical names numerical columns to profile as categories.
	Categorical []string
}

// NewProfile profiles f.
func NewProfile(f *frame.Frame, opts ProfileOptions) (*Profile, error) {
	p := &Profile{FormatVersion: ProfileFormatVersion, PositiveLabel: opts.PositiveLabel}
	d := DriftOptions{Categorical: opts.Categorical}
	for j, name := range f.Names() {
		c := f.ColumnAt(j)
		cp := &ColumnProfile{Name: name, Kind: d.kindOf(name, c)}
		cp.add(c)
		switch name {
		case opts.Target:
			p.Target = cp
		case opts.Prediction:
			p.Prediction = cp
		default:
			p.Columns = append(p.Columns, cp)
		}
	}
	if opts.Target != "" && p.Target == nil {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "profile: no target column %q", opts.Target)
	}
	if opts.Prediction != "" && p.Prediction == nil {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "profile: no prediction column %q", opts.Prediction)
	}
	p.Rows = int64(f.NumRows())
	return p, nil
}

func (c *ColumnProfile) add(col frame.Column) {
	n := col.Len()
	c.Count += int64(n)
	if c.Kind == Categorical {
		counts := categoryCounts(col)
		var present int64
		if c.Frequencies == nil {
			c.Frequencies = map[string]int64{}
		}
		for k, v := range counts {
			c.Frequencies[k] += int64(v)
			present += int64(v)
		}
		c.Missing += int64(n) - present
		c.trim()
		return
	}
	if c.Sketch == nil {
		c.Sketch = NewSketch()
		c.Min, c.Max = Number(math.Inf(1)), Number(math.Inf(-1))
	}
	for i := range n {
		x := col.Float(i)
		if math.IsNaN(x) || math.IsInf(x, 0) {
			c.Missing++
			continue
		}
		c.Sketch.Add(x)
		c.Sum += x
		c.SumSq += x * x
		c.Min, c.Max = Number(min(float64(c.Min), x)), Number(max(float64(c.Max), x))
	}
}

// trim keeps the MaxCategories most frequent values (ties broken by name,
// so the result does not depend on map order) and folds the rest into Other.
func (c *ColumnProfile) trim() {
	if len(c.Frequencies) <= MaxCategories {
		return
	}
	type kv struct {
		k string
		v int64
	}
	all := make([]kv, 0, len(c.Frequencies))
	for k, v := range c.Frequencies {
		all = append(all, kv{k, v})
	}
	slices.SortFunc(all, func(a, b kv) int {
		if a.v != b.v {
			return cmp.Compare(b.v, a.v)
		}
		return cmp.Compare(a.k, b.k)
	})
	for _, e := range all[MaxCategories:] {
		c.Other += e.v
		delete(c.Frequencies, e.k)
	}
}

// MissingShare is the share of rows without a value (0 for no rows).
func (c *ColumnProfile) MissingShare() float64 {
	if c.Count == 0 {
		return 0
	}
	return float64(c.Missing) / float64(c.Count)
}

// Present is the number of rows with a value.
func (c *ColumnProfile) Present() int64 { return c.Count - c.Missing }

// Mean is the mean of the present values; 0 when there are none.
func (c *ColumnProfile) Mean() float64 {
	if n := c.Present(); n > 0 {
		return c.Sum / float64(n)
	}
	return 0
}

// Std is the population standard deviation of the present values.
func (c *ColumnProfile) Std() float64 {
	n := float64(c.Present())
	if n == 0 {
		return 0
	}
	m := c.Sum / n
	return math.Sqrt(max(0, c.SumSq/n-m*m))
}

// Quantile estimates the q-quantile of a numerical column, clamped to the
// observed range; NaN when the column has no values or is categorical.
func (c *ColumnProfile) Quantile(q float64) float64 {
	if c.Sketch == nil || c.Sketch.Count() == 0 {
		return math.NaN()
	}
	return min(float64(c.Max), max(float64(c.Min), c.Sketch.Quantile(q)))
}

// Histogram spreads a numerical column's sketch over bins equal-width bins
// between its min and max, each sketch bucket counted in the bin holding
// its representative value.
func (c *ColumnProfile) Histogram(bins int) (edges, counts []float64) {
	if c.Sketch == nil || c.Sketch.Count() == 0 || bins <= 0 {
		return nil, nil
	}
	edges = sturgesEdgesN(float64(c.Min), float64(c.Max), bins)
	counts = make([]float64, bins)
	lo, hi := edges[0], edges[bins]
	for _, b := range c.Sketch.buckets() {
		v := min(hi, max(lo, b.value))
		k := min(bins-1, int((v-lo)/(hi-lo)*float64(bins)))
		counts[k] += float64(b.count)
	}
	return edges, counts
}

// sturgesEdgesN is bins equal-width edges over [lo, hi], widened around a
// constant as NumPy does.
func sturgesEdgesN(lo, hi float64, bins int) []float64 {
	if lo == hi {
		lo, hi = lo-0.5, hi+0.5
	}
	edges := make([]float64, bins+1)
	for i := range edges {
		edges[i] = lo + float64(i)*(hi-lo)/float64(bins)
	}
	edges[bins] = hi
	return edges
}

// TargetRate is the share of positives among present target values: the
// mean of a numerical 0/1 target, or the share of PositiveLabel (by default
// "1", "yes" or "true") of a categorical one. NaN when there is no target.
func (p *Profile) TargetRate() float64 {
	t := p.Target
	if t == nil || t.Present() == 0 {
		return math.NaN()
	}
	if t.Kind == Numerical {
		return t.Mean()
	}
	return float64(t.Frequencies[p.positive()]) / float64(t.Present())
}

func (p *Profile) positive() string {
	if p.PositiveLabel != "" {
		return p.PositiveLabel
	}
	for _, s := range []string{"1", "yes", "true", "True", "Yes"} {
		if _, ok := p.Target.Frequencies[s]; ok {
			return s
		}
	}
	return "1"
}

// Merge adds o into p. Both must profile the same columns with the same
// kinds, in the same order.
func (p *Profile) Merge(o *Profile) error {
	if len(p.Columns) != len(o.Columns) {
		return weir.Errorf(weir.ErrInvalidParameterValue, "profiles have %d and %d columns", len(p.Columns), len(o.Columns))
	}
	for i, c := range p.Columns {
		if err := c.merge(o.Columns[i]); err != nil {
			return err
		}
	}
	for _, pair := range [][2]*ColumnProfile{{p.Prediction, o.Prediction}, {p.Target, o.Target}} {
		if (pair[0] == nil) != (pair[1] == nil) {
			return weir.Errorf(weir.ErrInvalidParameterValue, "one profile has a target or prediction the other lacks")
		}
		if pair[0] != nil {
			if err := pair[0].merge(pair[1]); err != nil {
				return err
			}
		}
	}
	p.Rows += o.Rows
	return nil
}

func (c *ColumnProfile) merge(o *ColumnProfile) error {
	if c.Name != o.Name || c.Kind != o.Kind {
		return weir.Errorf(weir.ErrInvalidParameterValue, "cannot merge column %q (%s) with %q (%s)", c.Name, c.Kind, o.Name, o.Kind)
	}
	had := c.Present()
	c.Count += o.Count
	c.Missing += o.Missing
	if c.Kind == Categorical {
		if c.Frequencies == nil {
			c.Frequencies = map[string]int64{}
		}
		for k, v := range o.Frequencies {
			c.Frequencies[k] += v
		}
		c.Other += o.Other
		c.trim()
		return nil
	}
	if c.Sketch == nil {
		c.Sketch = NewSketch()
	}
	if o.Present() == 0 || o.Sketch == nil {
		return nil
	}
	// An empty side's range is ±Inf, or NaN once read back from JSON's
	// null; only a side with values has a range to merge.
	if had == 0 {
		c.Min, c.Max = o.Min, o.Max
	} else {
		c.Min, c.Max = Number(min(float64(c.Min), float64(o.Min))), Number(max(float64(c.Max), float64(o.Max)))
	}
	c.Sketch.Merge(o.Sketch)
	c.Sum += o.Sum
	c.SumSq += o.SumSq
	return nil
}

// MarshalJSON writes the profile; an empty numerical column's ±Inf range
// becomes null through Number.
func (p *Profile) MarshalJSON() ([]byte, error) {
	type plain Profile
	return json.Marshal((*plain)(p))
}

// ReadProfile parses a serialised profile and checks its format version.
func ReadProfile(b []byte) (*Profile, error) {
	var p Profile
	type plain Profile
	if err := json.Unmarshal(b, (*plain)(&p)); err != nil {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "profile: %v", err)
	}
	if p.FormatVersion != ProfileFormatVersion {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "profile format_version %d, this build reads %d", p.FormatVersion, ProfileFormatVersion)
	}
	for _, c := range append(slices.Clone(p.Columns), p.Prediction, p.Target) {
		if c == nil {
			continue
		}
		if c.Kind != Numerical && c.Kind != Categorical {
			return nil, weir.Errorf(weir.ErrInvalidParameterValue, "profile column %q has unknown kind %q", c.Name, c.Kind)
		}
		if err := c.check(); err != nil {
			return nil, weir.Errorf(weir.ErrInvalidParameterValue, "profile column %q: %v", c.Name, err)
		}
	}
	return &p, nil
}

// check refuses a column profile whose parts contradict each other, so that
// nothing read from outside can make a later computation divide by a
// negative count or index by NaN.
func (c *ColumnProfile) check() error {
	if c.Count < 0 || c.Missing < 0 || c.Missing > c.Count || c.Other < 0 {
		return fmt.Errorf("counts %d rows, %d missing, %d other do not add up", c.Count, c.Missing, c.Other)
	}
	if c.Kind == Categorical {
		var sum int64
		for k, v := range c.Frequencies {
			if v < 0 {
				return fmt.Errorf("category %q has a negative count", k)
			}
			sum += v
		}
		if sum+c.Other != c.Present() {
			return fmt.Errorf("frequencies hold %d values for %d present", sum+c.Other, c.Present())
		}
		return nil
	}
	if c.Sketch == nil {
		c.Sketch = NewSketch()
	}
	if c.Sketch.Count() != c.Present() {
		return fmt.Errorf("sketch holds %d values for %d present", c.Sketch.Count(), c.Present())
	}
	lo, hi := float64(c.Min), float64(c.Max)
	if c.Present() > 0 && !(lo <= hi && !math.IsInf(lo, 0) && !math.IsInf(hi, 0)) {
		return fmt.Errorf("range [%v, %v] is not a finite interval", lo, hi)
	}
	if math.IsNaN(c.Sum) || math.IsNaN(c.SumSq) {
		return fmt.Errorf("sums are not numbers")
	}
	return nil
}
