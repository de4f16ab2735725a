package gbdt

import (
	"fmt"
	"math"
	"runtime"
)

// Objectives a Model can train for, named as LightGBM names them.
const (
	Binary       = "binary"        // binary log-loss; predictions are probabilities
	Multiclass   = "multiclass"    // softmax over NumClass classes, one tree per class per iteration
	Regression   = "regression"    // squared error (L2)
	RegressionL1 = "regression_l1" // absolute error; leaves are refitted to the residuals' median
	Huber        = "huber"         // squared error within Alpha of the target, absolute beyond
)

// Validation metrics for early stopping.
const (
	MetricLogLoss      = "binary_logloss"
	MetricAUC          = "auc"
	MetricL2           = "l2"
	MetricL1           = "l1"
	MetricHuber        = "huber"
	MetricMultiLogLoss = "multi_logloss"
	MetricMultiError   = "multi_error"
)

// Params holds the training settings. Names and defaults follow LightGBM's
// so that a configuration reads the same in both; the JSON names are
// LightGBM's parameter names.
type Params struct {
	Objective string `json:"objective"`
	// NumClass is the number of classes of a multiclass model (at least 3);
	// 0 takes the largest label plus one, and Fit then sets it. Other
	// objectives leave it 0.
	NumClass int `json:"num_class,omitempty"`
	// Alpha is the huber objective's threshold between squared and
	// absolute error (LightGBM's alpha; DefaultParams(Huber) sets its
	// default, 0.9); other objectives ignore it.
	Alpha float64 `json:"alpha,omitempty"`

	NEstimators  int     `json:"n_estimators"`
	LearningRate float64 `json:"learning_rate"`
	NumLeaves    int     `json:"num_leaves"`
	MaxDepth     int     `json:"max_depth"` // <= 0: no limit

	MinDataInLeaf       int     `json:"min_data_in_leaf"`
	MinSumHessianInLeaf float64 `json:"min_sum_hessian_in_leaf"`
	LambdaL1            float64 `json:"lambda_l1"`
	LambdaL2            float64 `json:"lambda_l2"`
	MinGainToSplit      float64 `json:"min_gain_to_split"`

	MaxBin       int `json:"max_bin"`
	MinDataInBin int `json:"min_data_in_bin"`
	// BinSampleCount is how many rows the bin boundaries are computed from
	// (LightGBM's bin_construct_sample_cnt).
	BinSampleCount int  `json:"bin_construct_sample_cnt"`
	UseMissing     bool `json:"use_missing"` // false: NaN is read as 0

	// CategoricalFeatures lists the columns holding integer category codes
	// in [0, 2^24); NaN, negative and larger values mean missing.
	CategoricalFeatures []int   `json:"categorical_feature"`
	MaxCatToOnehot      int     `json:"max_cat_to_onehot"`
	MaxCatThreshold     int     `json:"max_cat_threshold"`
	CatSmooth           float64 `json:"cat_smooth"`
	CatL2               float64 `json:"cat_l2"`
	MinDataPerGroup     int     `json:"min_data_per_group"`

	FeatureFraction float64 `json:"feature_fraction"`
	BaggingFraction float64 `json:"bagging_fraction"`
	BaggingFreq     int     `json:"bagging_freq"`
	// Seed seeds the row sample for binning, bagging and feature sampling,
	// deriving the same streams as LightGBM's seed parameter; 0 means unset
	// (LightGBM's default seeds).
	Seed int64 `json:"seed"`

	ScalePosWeight   float64 `json:"scale_pos_weight"`
	IsUnbalance      bool    `json:"is_unbalance"`
	BoostFromAverage bool    `json:"boost_from_average"`

	// EarlyStoppingRounds stops training when the validation metric has not
	// improved for that many rounds (0: never); it needs validation data.
	EarlyStoppingRounds int    `json:"early_stopping_round"`
	Metric              string `json:"metric"` // "" picks the objective's own

	// NumThreads bounds the goroutines used; results do not depend on it.
	NumThreads int `json:"-"`
}

// DefaultParams returns LightGBM's defaults for the given objective.
func DefaultParams(objective string) Params {
	alpha := 0.0
	if objective == Huber {
		alpha = 0.9
	}
	return Params{
		Alpha:               alpha,
		Objective:           objective,
		NEstimators:         100,
		LearningRate:        0.1,
		NumLeaves:           31,
		MaxDepth:            -1,
		MinDataInLeaf:       20,
		MinSumHessianInLeaf: 1e-3,
		MaxBin:              255,
		MinDataInBin:        3,
		BinSampleCount:      200000,
		UseMissing:          true,
		MaxCatToOnehot:      4,
		MaxCatThreshold:     32,
		CatSmooth:           10,
		CatL2:               10,
		MinDataPerGroup:     100,
		FeatureFraction:     1,
		BaggingFraction:     1,
		ScalePosWeight:      1,
		BoostFromAverage:    true,
		NumThreads:          runtime.NumCPU(),
	}
}

// validate reports the first setting that cannot be trained with.
func (p *Params) validate(numCols int) error {
	bad := func(name string, v any) error { return fmt.Errorf("gbdt: invalid %s: %v", name, v) }
	if err := p.validateObjective(); err != nil {
		return err
	}
	switch {
	case p.NEstimators < 1:
		return bad("n_estimators", p.NEstimators)
	case !(p.LearningRate > 0) || math.IsInf(p.LearningRate, 0):
		return bad("learning_rate", p.LearningRate)
	case p.NumLeaves < 2 || p.NumLeaves > 131072:
		return bad("num_leaves (want 2..131072)", p.NumLeaves)
	case p.MinDataInLeaf < 0:
		return bad("min_data_in_leaf", p.MinDataInLeaf)
	case p.MinSumHessianInLeaf < 0 || math.IsNaN(p.MinSumHessianInLeaf):
		return bad("min_sum_hessian_in_leaf", p.MinSumHessianInLeaf)
	case p.LambdaL1 < 0 || p.LambdaL2 < 0 || math.IsNaN(p.LambdaL1+p.LambdaL2):
		return bad("lambda_l1/lambda_l2", [2]float64{p.LambdaL1, p.LambdaL2})
	case p.MinGainToSplit < 0 || math.IsNaN(p.MinGainToSplit):
		return bad("min_gain_to_split", p.MinGainToSplit)
	case p.MaxBin < 2 || p.MaxBin > 65535:
		return bad("max_bin (want 2..65535)", p.MaxBin)
	case p.MinDataInBin < 1:
		return bad("min_data_in_bin", p.MinDataInBin)
	case p.BinSampleCount < 1:
		return bad("bin_construct_sample_cnt", p.BinSampleCount)
	case p.MaxCatToOnehot < 1 || p.MaxCatThreshold < 1 || p.MinDataPerGroup < 1:
		return bad("max_cat_to_onehot/max_cat_threshold/min_data_per_group",
			[3]int{p.MaxCatToOnehot, p.MaxCatThreshold, p.MinDataPerGroup})
	case p.CatSmooth < 0 || p.CatL2 < 0 || math.IsNaN(p.CatSmooth+p.CatL2):
		return bad("cat_smooth/cat_l2", [2]float64{p.CatSmooth, p.CatL2})
	case !(p.FeatureFraction > 0 && p.FeatureFraction <= 1):
		return bad("feature_fraction (want (0,1])", p.FeatureFraction)
	case !(p.BaggingFraction > 0 && p.BaggingFraction <= 1):
		return bad("bagging_fraction (want (0,1])", p.BaggingFraction)
	case p.BaggingFreq < 0:
		return bad("bagging_freq", p.BaggingFreq)
	case !(p.ScalePosWeight > 0) || math.IsInf(p.ScalePosWeight, 0):
		return bad("scale_pos_weight", p.ScalePosWeight)
	case p.IsUnbalance && p.ScalePosWeight != 1:
		return fmt.Errorf("gbdt: is_unbalance and scale_pos_weight cannot both be set")
	case p.EarlyStoppingRounds < 0:
		return bad("early_stopping_round", p.EarlyStoppingRounds)
	}
	multi := p.Objective == Multiclass
	switch p.Metric {
	case "":
	case MetricL2, MetricL1, MetricHuber:
		if multi {
			return fmt.Errorf("gbdt: metric %q cannot score a %q model", p.Metric, Multiclass)
		}
	case MetricLogLoss, MetricAUC:
		if p.Objective != Binary {
			return fmt.Errorf("gbdt: metric %q needs the binary objective", p.Metric)
		}
	case MetricMultiLogLoss, MetricMultiError:
		if !multi {
			return fmt.Errorf("gbdt: metric %q needs the multiclass objective", p.Metric)
		}
	default:
		return fmt.Errorf("gbdt: unknown metric %q", p.Metric)
	}
	seen := map[int]bool{}
	for _, j := range p.CategoricalFeatures {
		if j < 0 || j >= numCols {
			return fmt.Errorf("gbdt: categorical feature %d out of range (%d columns)", j, numCols)
		}
		if seen[j] {
			return fmt.Errorf("gbdt: categorical feature %d listed twice", j)
		}
		seen[j] = true
	}
	return nil
}

// validateObjective checks the objective and the settings only some
// objectives read.
func (p *Params) validateObjective() error {
	switch p.Objective {
	case Binary, Regression, RegressionL1, Huber:
		if p.NumClass > 1 {
			return fmt.Errorf("gbdt: num_class %d needs the %q objective, not %q", p.NumClass, Multiclass, p.Objective)
		}
	case Multiclass:
		if p.NumClass != 0 && (p.NumClass < 3 || p.NumClass > maxClasses) {
			return fmt.Errorf("gbdt: invalid num_class %d for %q (want 3..%d, or 0 to count the labels)",
				p.NumClass, Multiclass, maxClasses)
		}
	default:
		return fmt.Errorf("gbdt: unknown objective %q (want %q, %q, %q, %q or %q)",
			p.Objective, Binary, Multiclass, Regression, RegressionL1, Huber)
	}
	if p.NumClass < 0 {
		return fmt.Errorf("gbdt: invalid num_class %d", p.NumClass)
	}
	if p.Objective == Huber && (!(p.Alpha > 0) || math.IsInf(p.Alpha, 0)) {
		return fmt.Errorf("gbdt: invalid alpha %v for %q (want a finite number > 0)", p.Alpha, Huber)
	}
	return nil
}

// maxClasses bounds num_class, so a hostile file or label cannot make
// training allocate without limit.
const maxClasses = 1 << 16

// metric returns the validation metric in use: LightGBM's default for the
// objective unless one is set.
func (p *Params) metric() string {
	if p.Metric != "" {
		return p.Metric
	}
	switch p.Objective {
	case Binary:
		return MetricLogLoss
	case Multiclass:
		return MetricMultiLogLoss
	case RegressionL1:
		return MetricL1
	case Huber:
		return MetricHuber
	}
	return MetricL2
}

// classes returns the number of trees per iteration: NumClass for a
// multiclass model, else 1.
func (p *Params) classes() int {
	if p.Objective == Multiclass {
		return p.NumClass
	}
	return 1
}

func (p *Params) threads() int {
	if p.NumThreads < 1 {
		return runtime.NumCPU()
	}
	return p.NumThreads
}
