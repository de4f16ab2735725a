package monitor

import (
	"fmt"
	"math"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/ml/metrics"
)

// Metrics a challenger is judged on.
const (
	// MetricROCAUC ranks models by ROC AUC on the newest labelled window.
	MetricROCAUC = "roc_auc"
	// MetricBusiness ranks them by the business value of their decisions
	// (ChallengeOptions.Value at each model's threshold).
	MetricBusiness = "business_value"
)

// ChallengeOptions say how a challenger is compared with the champion.
type ChallengeOptions struct {
	// Metric is MetricROCAUC (the default when empty) or MetricBusiness.
	Metric string
	// Margin is how much better the challenger must be to be promoted: a
	// retrained model that is merely as good is not worth a swap, which
	// costs a reload and resets what operators know of the champion.
	Margin float64
	// ChampionThreshold and ChallengerThreshold turn scores into decisions
	// for the business metric; 0 means 0.5.
	ChampionThreshold, ChallengerThreshold float64
	// Value prices the decisions for MetricBusiness.
	Value Value
}

// Decision is the outcome of a champion–challenger comparison.
type Decision struct {
	// Promote says the challenger should take the champion alias.
	Promote bool    `json:"promote"`
	Metric  string  `json:"metric"`
	Margin  float64 `json:"margin"`
	// Champion and Challenger are both models' values of Metric on the same
	// rows; Champion is NaN when there was no champion.
	Champion   Number `json:"champion"`
	Challenger Number `json:"challenger"`
	Rows       int    `json:"rows"`
	// Reason is one sentence for logs, run tags and the CLI.
	Reason string `json:"reason"`
}

// Decide applies the promotion rule to two values of one metric (higher is
// better): promote when the challenger beats the champion by at least
// margin and strictly, so that with margin 0 a tie keeps the champion.
// A NaN champion means there is none, and any finite challenger is
// promoted. A NaN challenger or a negative margin is an error.
func Decide(metric string, champion, challenger, margin float64) (Decision, error) {
	if metric == "" {
		metric = MetricROCAUC
	}
	d := Decision{Metric: metric, Margin: margin, Champion: Number(champion), Challenger: Number(challenger)}
	switch {
	case math.IsNaN(margin) || margin < 0 || math.IsInf(margin, 0):
		return d, weir.Errorf(weir.ErrInvalidParameterValue, "margin %v must be a finite number ≥ 0", margin)
	case math.IsNaN(challenger) || math.IsInf(challenger, 0):
		return d, weir.Errorf(weir.ErrInvalidParameterValue, "challenger %s is %v: nothing to compare", metric, challenger)
	case math.IsInf(champion, 0):
		return d, weir.Errorf(weir.ErrInvalidParameterValue, "champion %s is %v", metric, champion)
	case math.IsNaN(champion):
		d.Promote = true
		d.Reason = fmt.Sprintf("no champion: challenger (%s %.4f) becomes champion", metric, challenger)
	case challenger > champion && challenger-champion >= margin:
		d.Promote = true
		d.Reason = fmt.Sprintf("challenger %s %.4f beats champion %.4f by %.4f ≥ margin %g: promote", metric, challenger, champion, challenger-champion, margin)
	case challenger == champion:
		d.Reason = fmt.Sprintf("challenger ties champion at %s %.4f: keep champion", metric, champion)
	default:
		d.Reason = fmt.Sprintf("challenger %s %.4f vs champion %.4f does not win by margin %g: keep champion", metric, challenger, champion, margin)
	}
	return d, nil
}

// Challenge scores champion and challenger on the same labelled rows (y
// is 0 or 1; the scores are each model's probability of the positive
// class) and decides whether the challenger takes over. champion may be
// nil when there is no champion yet.
func Challenge(y, champion, challenger []float64, opts ChallengeOptions) (Decision, error) {
	if opts.Metric == "" {
		opts.Metric = MetricROCAUC
	}
	if len(y) == 0 {
		return Decision{Metric: opts.Metric}, weir.Errorf(weir.ErrInvalidParameterValue, "no labelled rows to compare the models on")
	}
	if len(challenger) != len(y) || (champion != nil && len(champion) != len(y)) {
		return Decision{Metric: opts.Metric}, weir.Errorf(weir.ErrInvalidParameterValue,
			"scores and labels differ in length: %d labels, %d champion and %d challenger scores", len(y), len(champion), len(challenger))
	}
	value := func(s []float64, threshold float64) (float64, error) {
		if s == nil {
			return math.NaN(), nil
		}
		switch opts.Metric {
		case MetricROCAUC:
			a, err := metrics.ROCAUC(y, s, nil)
			if err != nil {
				return 0, weir.Errorf(weir.ErrInvalidParameterValue, "ROC AUC on the comparison window: %v", err)
			}
			return a, nil
		case MetricBusiness:
			if threshold == 0 {
				threshold = 0.5
			}
			c, err := metrics.ConfusionAt(y, s, nil, threshold)
			if err != nil {
				return 0, weir.Errorf(weir.ErrInvalidParameterValue, "business value on the comparison window: %v", err)
			}
			return opts.Value.of(c), nil
		}
		return 0, weir.Errorf(weir.ErrInvalidParameterValue, "unknown metric %q (want %s or %s)", opts.Metric, MetricROCAUC, MetricBusiness)
	}
	champ, err := value(champion, opts.ChampionThreshold)
	if err != nil {
		return Decision{Metric: opts.Metric}, err
	}
	chall, err := value(challenger, opts.ChallengerThreshold)
	if err != nil {
		return Decision{Metric: opts.Metric}, err
	}
	d, err := Decide(opts.Metric, champ, chall, opts.Margin)
	d.Rows = len(y)
	return d, err
}
