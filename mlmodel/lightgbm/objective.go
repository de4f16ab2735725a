package lightgbm

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Objective is a model's training objective as its file names it, with the
// parameters that shape the output transform.
type Objective struct {
	// Name is LightGBM's name: "binary", "multiclass", "multiclassova",
	// "regression", "regression_l1", "huber", "fair", "quantile", "mape",
	// "poisson", "gamma", "tweedie", "cross_entropy",
	// "cross_entropy_lambda", "lambdarank", "rank_xendcg", "custom", or ""
	// when the file names none.
	Name string
	// Sigmoid is the scale of binary and multiclassova's sigmoid.
	Sigmoid float64
	// NumClass is multiclass and multiclassova's class count.
	NumClass int
	// Sqrt is set when a regression model was trained on sqrt labels
	// (reg_sqrt), whose output is squared back.
	Sqrt bool
}

// transform is how Predict turns raw scores into outputs.
type transform uint8

const (
	identity transform = iota
	sigmoid            // 1/(1+exp(-Sigmoid*x)), per output
	softmax
	exponential
	signedSquare // sign(x)*x*x
	log1pExp     // log(1+exp(x))
)

// objectiveAliases maps the other names LightGBM accepts to the names it
// writes; a file normally holds the latter.
var objectiveAliases = map[string]string{
	"regression_l2": "regression", "l2": "regression", "mean_squared_error": "regression",
	"mse": "regression", "l2_root": "regression", "root_mean_squared_error": "regression",
	"rmse": "regression", "l1": "regression_l1", "mean_absolute_error": "regression_l1",
	"mae": "regression_l1", "softmax": "multiclass", "multiclass_ova": "multiclassova",
	"ova": "multiclassova", "ovr": "multiclassova", "xentropy": "cross_entropy",
	"xentlambda": "cross_entropy_lambda", "mean_absolute_percentage_error": "mape",
	"rank_xendcg": "rank_xendcg", "xendcg": "rank_xendcg", "xe_ndcg": "rank_xendcg",
	"xe_ndcg_mart": "rank_xendcg", "xendcg_mart": "rank_xendcg", "none": "custom",
	"null": "custom", "na": "custom",
}

// parseObjective reads the objective line: a name, then parameters such as
// "sigmoid:1", "num_class:3" or "sqrt".
func parseObjective(s string) (Objective, transform, error) {
	fields := strings.Fields(s)
	if len(fields) == 0 {
		return Objective{}, identity, nil
	}
	o := Objective{Name: fields[0]}
	if a, ok := objectiveAliases[o.Name]; ok {
		o.Name = a
	}
	o.Sigmoid = -1
	for _, f := range fields[1:] {
		k, v, _ := strings.Cut(f, ":")
		switch k {
		case "sigmoid":
			x, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return o, 0, fmt.Errorf("objective %s has sigmoid %q, not a number", o.Name, v)
			}
			o.Sigmoid = x
		case "num_class":
			n, err := strconv.Atoi(v)
			if err != nil {
				return o, 0, fmt.Errorf("objective %s has num_class %q, not an integer", o.Name, v)
			}
			o.NumClass = n
		case "sqrt":
			o.Sqrt = true
		}
	}
	switch o.Name {
	case "binary", "multiclassova":
		if !(o.Sigmoid > 0) {
			return o, 0, fmt.Errorf("objective %s needs a positive sigmoid parameter", o.Name)
		}
		return o, sigmoid, nil
	case "multiclass":
		return o, softmax, nil
	case "regression":
		if o.Sqrt {
			return o, signedSquare, nil
		}
		return o, identity, nil
	case "regression_l1", "huber", "fair", "quantile", "mape", "lambdarank", "rank_xendcg", "custom":
		// reg_sqrt also squares back the output of regression_l1, fair,
		// quantile and mape (they inherit it), but not huber's.
		if o.Sqrt && o.Name != "huber" && o.Name != "lambdarank" && o.Name != "rank_xendcg" && o.Name != "custom" {
			return o, signedSquare, nil
		}
		o.Sqrt = false
		return o, identity, nil
	case "poisson", "gamma", "tweedie":
		o.Sqrt = false
		return o, exponential, nil
	case "cross_entropy":
		o.Sigmoid = 1
		return o, sigmoid, nil
	case "cross_entropy_lambda":
		return o, log1pExp, nil
	}
	return o, 0, fmt.Errorf("objective %q is not one LightGBM knows", o.Name)
}

// apply transforms the raw scores in out in place.
func (t transform) apply(out []float64, scale float64) {
	switch t {
	case sigmoid:
		for k, x := range out {
			out[k] = 1 / (1 + math.Exp(-scale*x))
		}
	case softmax:
		hi := out[0]
		for _, x := range out[1:] {
			hi = max(hi, x)
		}
		sum := 0.0
		for k, x := range out {
			out[k] = math.Exp(x - hi)
			sum += out[k]
		}
		for k := range out {
			out[k] /= sum
		}
	case exponential:
		for k, x := range out {
			out[k] = math.Exp(x)
		}
	case signedSquare:
		for k, x := range out {
			sign := 0.0 // LightGBM's Sign: 0 for zero and NaN
			if x > 0 {
				sign = 1
			} else if x < 0 {
				sign = -1
			}
			out[k] = sign * x * x
		}
	case log1pExp:
		for k, x := range out {
			out[k] = math.Log1p(math.Exp(x))
		}
	}
}
