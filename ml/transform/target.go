package transform

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// TargetEncoder replaces each category by a smoothed mean of the target
// over the rows of that category, like scikit-learn's TargetEncoder for a
// binary or continuous target:
//
//   - with Smooth set to m: (sum of y in the category + m·mean(y)) / (count + m);
//   - with Smooth nil ("auto", empirical Bayes): λ·mean_c + (1-λ)·mean(y),
//     where λ = var(y)·n_c / (var(y)·n_c + var_c), variances over all rows and
//     within the category (population, not sample); mean(y) when λ is undefined.
//
// Categories never seen when fitting encode as mean(y). Missing values seen
// when fitting are a category of their own. Preprocessor.FitTransform
// encodes its fitting rows out of fold (Folds folds, shuffled by Seed,
// stratified when y is 0/1), so that a row's own target does not leak into
// its feature; Transform uses encodings fitted on all rows. scikit-learn
// does the same, with its own shuffling, so only the full-data encodings are
// comparable between the two.
type TargetEncoder struct {
	Folds  int      `json:"folds"`  // 0 means 5
	Seed   uint64   `json:"seed"`   // shuffles the folds
	Smooth *float64 `json:"smooth"` // nil means auto

	TargetMean float64        `json:"target_mean"`
	Columns    []TargetColumn `json:"columns,omitempty"`

	index []map[string]int
}

// TargetColumn is the fitted encoding of one column: Encodings[k] is the
// value of Categories[k] (sorted), and MissingEncoding that of a missing
// value when Missing.
type TargetColumn struct {
	Categories      []string  `json:"categories"`
	Encodings       []float64 `json:"encodings"`
	Missing         bool      `json:"missing,omitempty"`
	MissingEncoding float64   `json:"missing_encoding,omitempty"`
}

// Type returns "target_encoder".
func (*TargetEncoder) Type() string { return "target_encoder" }

// targetCodes maps a column to category indices (sorted order), with missing as
// index len(cats), and returns the categories.
func targetCodes(v values) ([]int, []string, bool) {
	counts, missing := countCategories(v)
	cats := categoryOrder(counts, v)
	idx := make(map[string]int, len(cats))
	for k, s := range cats {
		idx[s] = k
	}
	codes := make([]int, len(v.str))
	for i, s := range v.str {
		if v.has[i] {
			codes[i] = idx[s]
		} else {
			codes[i] = len(cats)
		}
	}
	return codes, cats, missing > 0
}

func (t *TargetEncoder) validate(cols []values, y []float64) error {
	if t.Folds == 0 {
		t.Folds = 5
	}
	if t.Folds < 2 {
		return fmt.Errorf("target encoder: %d folds, want at least 2", t.Folds)
	}
	if t.Smooth != nil && (*t.Smooth < 0 || math.IsNaN(*t.Smooth)) {
		return fmt.Errorf("target encoder: smooth %v is negative", *t.Smooth)
	}
	if len(cols) > 0 && len(y) != cols[0].len() {
		return fmt.Errorf("target encoder needs a target of %d values, got %d", cols[0].len(), len(y))
	}
	for i, v := range y {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("target encoder: target row %d is %v", i, v)
		}
	}
	if len(y) == 0 {
		return fmt.Errorf("target encoder: no rows to fit")
	}
	return nil
}

func (t *TargetEncoder) fit(cols []values, y []float64) error {
	if err := t.validate(cols, y); err != nil {
		return err
	}
	all := make([]int, len(y))
	for i := range all {
		all[i] = i
	}
	t.Columns = make([]TargetColumn, len(cols))
	for j, v := range cols {
		codes, cats, hasMissing := targetCodes(v)
		enc, ymean := t.encodings(codes, y, all, len(cats)+1)
		t.TargetMean = ymean
		c := TargetColumn{Categories: cats, Encodings: enc[:len(cats)], Missing: hasMissing}
		if hasMissing {
			c.MissingEncoding = enc[len(cats)]
		}
		t.Columns[j] = c
	}
	if len(cols) == 0 {
		t.TargetMean, _ = mean(y)
	}
	return nil
}

// outOfFold returns, for each column, the encodings of the fitting rows
// computed on the other folds.
func (t *TargetEncoder) outOfFold(cols []values, y []float64) [][]float64 {
	folds := t.assignFolds(y)
	train := make([][]int, t.Folds)
	for k := range train {
		for i, f := range folds {
			if f != k {
				train[k] = append(train[k], i)
			}
		}
	}
	out := make([][]float64, len(cols))
	for j, v := range cols {
		codes, cats, _ := targetCodes(v)
		col := make([]float64, len(y))
		for k := range train {
			enc, _ := t.encodings(codes, y, train[k], len(cats)+1)
			for i, f := range folds {
				if f == k {
					col[i] = enc[codes[i]]
				}
			}
		}
		out[j] = col
	}
	return out
}

// assignFolds deals shuffled rows to folds round-robin, class by class when
// y is binary so that each fold keeps the positive rate.
func (t *TargetEncoder) assignFolds(y []float64) []int {
	rng := rand.New(rand.NewPCG(t.Seed, 0x5745495254)) // "WEIRT"
	binary := true
	for _, v := range y {
		if v != 0 && v != 1 {
			binary = false
			break
		}
	}
	groups := [][]int{nil}
	if binary {
		groups = [][]int{nil, nil}
	}
	for i, v := range y {
		g := 0
		if binary && v == 1 {
			g = 1
		}
		groups[g] = append(groups[g], i)
	}
	folds := make([]int, len(y))
	next := 0
	for _, g := range groups {
		rng.Shuffle(len(g), func(a, b int) { g[a], g[b] = g[b], g[a] })
		for _, i := range g {
			folds[i] = next
			next = (next + 1) % t.Folds
		}
	}
	return folds
}

// encodings returns the encoding of each of ncat codes fitted on rows, and
// the mean target of those rows.
func (t *TargetEncoder) encodings(codes []int, y []float64, rows []int, ncat int) ([]float64, float64) {
	sum := make([]float64, ncat)
	count := make([]float64, ncat)
	ytotal := 0.0
	for _, i := range rows {
		sum[codes[i]] += y[i]
		count[codes[i]]++
		ytotal += y[i]
	}
	n := float64(len(rows))
	ymean := ytotal / n
	enc := make([]float64, ncat)
	if t.Smooth != nil {
		m := *t.Smooth
		for k := range enc {
			if d := count[k] + m; d > 0 {
				enc[k] = (sum[k] + m*ymean) / d
			} else {
				enc[k] = ymean
			}
		}
		return enc, ymean
	}
	yvar, ssd := 0.0, make([]float64, ncat)
	for _, i := range rows {
		d := y[i] - ymean
		yvar += d * d
		dc := y[i] - sum[codes[i]]/count[codes[i]]
		ssd[codes[i]] += dc * dc
	}
	yvar /= n
	for k := range enc {
		lambda := yvar * count[k] / (yvar*count[k] + ssd[k]/count[k])
		if math.IsNaN(lambda) {
			enc[k] = ymean
		} else {
			enc[k] = lambda*(sum[k]/count[k]) + (1-lambda)*ymean
		}
	}
	return enc, ymean
}

func (t *TargetEncoder) prepare() {
	t.index = make([]map[string]int, len(t.Columns))
	for j, c := range t.Columns {
		t.index[j] = make(map[string]int, len(c.Categories))
		for k, s := range c.Categories {
			t.index[j][s] = k
		}
	}
}

func (t *TargetEncoder) width(int) int { return 1 }

func (t *TargetEncoder) names(_ int, col string) []string { return []string{col} }

func (t *TargetEncoder) encode(j int, c cell, dst []float64) {
	col := t.Columns[j]
	switch k, ok := t.index[j][c.str]; {
	case !c.has && col.Missing:
		dst[0] = col.MissingEncoding
	case c.has && ok:
		dst[0] = col.Encodings[k]
	default:
		dst[0] = t.TargetMean
	}
}

func (t *TargetEncoder) check(ncols int) error {
	if len(t.Columns) != ncols {
		return fmt.Errorf("target encoder has %d fitted columns, want %d", len(t.Columns), ncols)
	}
	for j, c := range t.Columns {
		if len(c.Encodings) != len(c.Categories) {
			return fmt.Errorf("target encoder column %d has %d encodings for %d categories", j+1, len(c.Encodings), len(c.Categories))
		}
	}
	return nil
}
