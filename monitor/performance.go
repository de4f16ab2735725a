package monitor

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/ml/metrics"
)

var nan = math.NaN()

// Value prices the four outcomes of a decision, for a business metric: the
// total value of a window is TP·TP + FP·FP + FN·FN + TN·TN (for a campaign,
// say, the margin of a converted call minus the cost of every call).
type Value struct {
	TP, FP, FN, TN float64
}

// WindowOptions say how predictions are cut into windows and scored.
type WindowOptions struct {
	// Period cuts windows by time, aligned to the Unix epoch; Months cuts
	// them by calendar months in UTC, aligned to January (3 gives
	// quarters), which no fixed Period can; Size cuts them every Size
	// predictions in time order. Exactly one is set.
	Period time.Duration
	Months int
	Size   int
	// Threshold turns scores into decisions (score ≥ Threshold is
	// positive); 0 means 0.5.
	Threshold float64
	// Value prices decisions for the business metric; without prices (the
	// zero Value) the business value is NaN.
	Value Value
	// CalibrationBins is the number of equal-width bins of the expected
	// calibration error; 0 means 10.
	CalibrationBins int
}

// WindowPerformance is one window's realised performance (over predictions
// with labels) and estimated performance (over all its predictions, from
// the scores alone: NannyML's CBPE idea, which takes each score as the
// probability of a positive and so expects, for a row scored p and decided
// positive, p true positives and 1-p false positives). Metrics that cannot
// be computed (no labels, one class) are NaN, written as null.
type WindowPerformance struct {
	// Label names the window for people: "rows 1–2,000" for windows of a
	// number of rows, the calendar period or start time for windows of time.
	Label string `json:"label"`
	// Start and End bound a window of time; rows without times leave them
	// zero, and the JSON leaves them out.
	Start time.Time `json:"start,omitzero"`
	End   time.Time `json:"end,omitzero"`
	// FirstRow and LastRow number the window's first and last prediction
	// from 1, in time order (file order for rows without times).
	FirstRow  int    `json:"first_row"`
	LastRow   int    `json:"last_row"`
	Rows      int    `json:"rows"`
	Labelled  int    `json:"labelled"`
	MeanScore Number `json:"mean_score"`

	ROCAUC       Number `json:"roc_auc"`
	Precision    Number `json:"precision"`
	Recall       Number `json:"recall"`
	Brier        Number `json:"brier"`
	Calibration  Number `json:"calibration_error"`
	PositiveRate Number `json:"positive_rate"`
	Business     Number `json:"business_value"`

	EstROCAUC    Number `json:"estimated_roc_auc"`
	EstPrecision Number `json:"estimated_precision"`
	EstRecall    Number `json:"estimated_recall"`
	EstBusiness  Number `json:"estimated_business_value"`
}

// Windows cuts predictions into windows and scores each.
func Windows(preds []Prediction, opts WindowOptions) (out []WindowPerformance, err error) {
	set := 0
	for _, on := range []bool{opts.Period > 0, opts.Months > 0, opts.Size > 0} {
		if on {
			set++
		}
	}
	if set != 1 || opts.Period < 0 || opts.Months < 0 || opts.Size < 0 {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "windows: set exactly one of Period (%v), Months (%d) and Size (%d)", opts.Period, opts.Months, opts.Size)
	}
	if opts.Threshold == 0 {
		opts.Threshold = 0.5
	}
	if opts.CalibrationBins == 0 {
		opts.CalibrationBins = 10
	}
	if opts.Threshold < 0 || opts.Threshold > 1 || opts.CalibrationBins < 0 {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "windows: threshold %v must be in [0, 1]", opts.Threshold)
	}
	for _, p := range preds {
		if math.IsNaN(p.Score) || p.Score < 0 || p.Score > 1 {
			return nil, weir.Errorf(weir.ErrInvalidParameterValue, "windows: request %q row %d has score %v outside [0, 1]", p.RequestID, p.Row, p.Score)
		}
	}
	sorted := slices.Clone(preds)
	slices.SortStableFunc(sorted, func(a, b Prediction) int { return a.Time.Compare(b.Time) })
	first := 1
	for len(sorted) > 0 {
		n := len(sorted)
		var start, end time.Time
		if opts.Size > 0 {
			n = min(n, opts.Size)
			start, end = sorted[0].Time, sorted[n-1].Time
		} else {
			if opts.Months > 0 {
				start, end = monthWindow(sorted[0].Time, opts.Months)
			} else {
				start = sorted[0].Time.Truncate(opts.Period)
				end = start.Add(opts.Period)
			}
			n = slices.IndexFunc(sorted, func(p Prediction) bool { return !p.Time.Before(end) })
			if n < 0 {
				n = len(sorted)
			}
		}
		w := score(sorted[:n], opts)
		w.Start, w.End = start, end
		w.FirstRow, w.LastRow = first, first+n-1
		w.Label = windowLabel(w, opts)
		out = append(out, w)
		sorted, first = sorted[n:], first+n
	}
	return out, nil
}

// score computes one window's metrics.
func score(ps []Prediction, o WindowOptions) WindowPerformance {
	w := WindowPerformance{Rows: len(ps)}
	var y, s []float64
	var est metrics.Confusion
	var sumScore float64
	// Each row is also a positive of weight p and a negative of weight 1-p
	// for the expected ROC AUC.
	ey := make([]float64, 0, 2*len(ps))
	es := make([]float64, 0, 2*len(ps))
	ew := make([]float64, 0, 2*len(ps))
	for _, p := range ps {
		sumScore += p.Score
		if p.Score >= o.Threshold {
			est.TP += p.Score
			est.FP += 1 - p.Score
		} else {
			est.FN += p.Score
			est.TN += 1 - p.Score
		}
		ey, es, ew = append(ey, 1, 0), append(es, p.Score, p.Score), append(ew, p.Score, 1-p.Score)
		if p.HasLabel {
			y = append(y, p.Label)
			s = append(s, p.Score)
		}
	}
	w.Labelled = len(y)
	w.MeanScore = ratio(sumScore, float64(len(ps)))
	w.EstPrecision = ratio(est.TP, est.TP+est.FP)
	w.EstRecall = ratio(est.TP, est.TP+est.FN)
	// Without prices there is no business value, rather than a value of 0.
	priced := o.Value != (Value{})
	w.EstBusiness = Number(nan)
	if priced {
		w.EstBusiness = Number(o.Value.of(est))
	}
	w.EstROCAUC = auc(ey, es, ew)
	na := Number(nan)
	w.ROCAUC, w.Precision, w.Recall, w.Brier, w.Calibration, w.PositiveRate, w.Business = na, na, na, na, na, na, na
	if len(y) == 0 {
		return w
	}
	c, err := metrics.ConfusionAt(y, s, nil, o.Threshold)
	if err == nil {
		w.Precision = ratio(c.TP, c.TP+c.FP)
		w.Recall = ratio(c.TP, c.TP+c.FN)
		if priced {
			w.Business = Number(o.Value.of(c))
		}
	}
	w.ROCAUC = auc(y, s, nil)
	if b, err := metrics.Brier(y, s, nil); err == nil {
		w.Brier = Number(b)
	}
	w.Calibration = Number(calibrationError(y, s, o.CalibrationBins))
	w.PositiveRate = ratio(sum(y), float64(len(y)))
	return w
}

func (v Value) of(c metrics.Confusion) float64 {
	return v.TP*c.TP + v.FP*c.FP + v.FN*c.FN + v.TN*c.TN
}

func ratio(a, b float64) Number {
	if b == 0 {
		return Number(nan)
	}
	return Number(a / b)
}

// auc is ROC AUC, NaN when one class is absent.
func auc(y, s, w []float64) Number {
	a, err := metrics.ROCAUC(y, s, w)
	if err != nil {
		return Number(nan)
	}
	return Number(a)
}

// calibrationError is the expected calibration error: over equal-width
// score bins, the gap between mean score and positive rate, weighted by the
// bin's share of rows.
func calibrationError(y, s []float64, bins int) float64 {
	n := make([]float64, bins)
	sy := make([]float64, bins)
	ss := make([]float64, bins)
	for i, p := range s {
		k := min(bins-1, int(p*float64(bins)))
		n[k]++
		sy[k] += y[i]
		ss[k] += p
	}
	var e float64
	for k := range n {
		if n[k] > 0 {
			e += math.Abs(ss[k]-sy[k]) / float64(len(s))
		}
	}
	return e
}

// windowLabel names a window for people: its rows for windows of a size,
// its calendar period for windows of months, its first and last day for
// windows of several days, its start for shorter ones (the date alone when
// the window starts at midnight).
func windowLabel(w WindowPerformance, o WindowOptions) string {
	start := w.Start.UTC()
	switch {
	case o.Size > 0 && w.FirstRow == w.LastRow:
		return "row " + Thousands(w.FirstRow)
	case o.Size > 0:
		return "rows " + Thousands(w.FirstRow) + "–" + Thousands(w.LastRow)
	case o.Months == 12:
		return start.Format("2006")
	case o.Months == 3:
		return fmt.Sprintf("%d Q%d", start.Year(), (int(start.Month())+2)/3)
	case o.Months == 1:
		return start.Format("Jan 2006")
	case o.Months > 1:
		return start.Format("Jan 2006") + " – " + w.End.UTC().AddDate(0, 0, -1).Format("Jan 2006")
	case o.Period > 24*time.Hour && o.Period%(24*time.Hour) == 0:
		// Windows of whole days, as weeks: their first and last day.
		return start.Format("2006-01-02") + " – " + w.End.UTC().Add(-24*time.Hour).Format("2006-01-02")
	case start.Hour() == 0 && start.Minute() == 0 && start.Second() == 0:
		return start.Format("2006-01-02")
	}
	return start.Format("2006-01-02 15:04 UTC")
}

// Thousands writes n with thousands separators: 12,345.
func Thousands(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		return "-" + s
	}
	return s
}

// monthWindow returns the calendar window of the given months (in UTC,
// counted from January) that holds t.
func monthWindow(t time.Time, months int) (start, end time.Time) {
	t = t.UTC()
	m := (int(t.Month()) - 1) / months * months
	start = time.Date(t.Year(), time.Month(m+1), 1, 0, 0, 0, 0, time.UTC)
	return start, start.AddDate(0, months, 0)
}
