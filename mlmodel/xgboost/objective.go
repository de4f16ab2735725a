package xgboost

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// How an objective turns margins into predictions.
const (
	linkIdentity = iota
	linkSigmoid
	linkExp
	linkSoftmax // multi:softprob: K probabilities
	linkArgmax  // multi:softmax: the index of the largest margin
)

// objective holds what scoring needs of an XGBoost objective.
type objective struct {
	link int
	// probToMargin turns base_score, saved in prediction space, into the
	// starting margin, in float32 as XGBoost does.
	probToMargin func(float32) (float32, error)
}

func identity(x float32) (float32, error) { return x, nil }

// logit is XGBoost's ProbToMargin for logistic objectives: the intercept
// clamped to [1e-6, 1-1e-6], then -log(1/p - 1), all in float32.
func logit(p float32) (float32, error) {
	if !(p > 0 && p < 1) {
		return 0, fmt.Errorf("base_score must be in (0, 1) for a logistic objective")
	}
	const eps = float32(1e-6)
	p = min(max(p, eps), 1-eps)
	return -logf(1/p - 1), nil
}

// logMargin is ProbToMargin for log-link objectives.
func logMargin(x float32) (float32, error) {
	if !(x > 0) {
		return 0, fmt.Errorf("base_score must be positive for a log-link objective")
	}
	return logf(x), nil
}

// objectives lists the supported objectives.
var objectives = map[string]objective{
	"binary:logistic":   {linkSigmoid, logit},
	"reg:logistic":      {linkSigmoid, logit},
	"binary:logitraw":   {linkIdentity, identity},
	"multi:softprob":    {linkSoftmax, identity},
	"multi:softmax":     {linkArgmax, identity},
	"reg:squarederror":  {linkIdentity, identity},
	"reg:linear":        {linkIdentity, identity}, // the pre-1.0 name of reg:squarederror
	"reg:absoluteerror": {linkIdentity, identity},
	"count:poisson":     {linkExp, logMargin},
	"reg:gamma":         {linkExp, logMargin},
	"reg:tweedie":       {linkExp, logMargin},
}

func supportedObjectives() string {
	names := make([]string, 0, len(objectives))
	for n := range objectives {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// logf and expf are C's float32 log and exp: the float64 function rounded
// once to float32. glibc's expf and logf are within 0.502 ulp, so the two
// agree but for results a hair from a rounding boundary.
func logf(x float32) float32 { return float32(math.Log(float64(x))) }
func expf(x float32) float32 { return float32(math.Exp(float64(x))) }

// sigmoid is XGBoost's float32 sigmoid: 1 / (expf(min(-x, 88.7)) + 1 +
// 1e-16), each step rounded to float32.
func sigmoid(x float32) float32 {
	const eps = float32(1e-16)
	e := expf(min(-x, 88.7))
	d := float32(float32(e+1) + eps)
	return 1 / d
}

// softmax overwrites p with XGBoost's softmax of the margins p: exps in
// float32 after subtracting the largest margin, summed in float64, each
// divided by the sum rounded to float32.
func softmax(p []float32) {
	m := p[0]
	for _, x := range p[1:] {
		if x > m || m != m { // fmaxf ignores a NaN operand
			m = x
		}
	}
	var sum float64
	for i, x := range p {
		e := expf(x - m)
		p[i] = e
		sum += float64(e)
	}
	s := float32(sum)
	for i := range p {
		p[i] /= s
	}
}

// argmax returns the index of the first largest value, as XGBoost's
// FindMaxIndex.
func argmax(p []float32) int {
	best := 0
	for i, x := range p {
		if x > p[best] {
			best = i
		}
	}
	return best
}
