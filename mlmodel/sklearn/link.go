package sklearn

import (
	"math"
	"strings"

	"github.com/weir-ml/weir/mlmodel/sklearn/pyobj"
)

// link is how a boosting model's raw score maps to its prediction: the
// link function of its loss object.
type link int

const (
	identityLink link = iota
	logLink
	logitLink
	halfLogitLink
	multinomialLink
)

// readLink reads the link of the loss object _loss from its link
// attribute, or from the loss class when it has none.
func readLink(o obj) (link, error) {
	v, err := o.need("_loss")
	if err != nil {
		return 0, err
	}
	loss, ok := v.(*pyobj.Object)
	if !ok {
		return 0, o.errorf("_loss is a %s, want a loss object", pyobj.Describe(v))
	}
	if l, ok := loss.State["link"].(*pyobj.Object); ok {
		switch l.Class {
		case "IdentityLink":
			return identityLink, nil
		case "LogLink":
			return logLink, nil
		case "LogitLink":
			return logitLink, nil
		case "HalfLogitLink":
			return halfLogitLink, nil
		case "MultinomialLogit":
			return multinomialLink, nil
		}
		return 0, o.errorf("_loss has the link %s, which is not supported", l.Class)
	}
	name := strings.TrimSuffix(loss.Class, "ArrayAPI")
	switch name {
	case "HalfSquaredError", "AbsoluteError", "PinballLoss", "HuberLoss", "HalfTweedieLossIdentity":
		return identityLink, nil
	case "HalfPoissonLoss", "HalfGammaLoss", "HalfTweedieLoss":
		return logLink, nil
	case "HalfBinomialLoss":
		return logitLink, nil
	case "ExponentialLoss":
		return halfLogitLink, nil
	case "HalfMultinomialLoss":
		return multinomialLink, nil
	}
	return 0, o.errorf("_loss is a %s, which is not supported", loss.Class)
}

// inverse maps a regressor's raw score to its prediction.
func (l link) inverse(raw float64) float64 {
	if l == logLink {
		return math.Exp(raw)
	}
	return raw
}

// binary writes a binary classifier's probabilities for raw score raw.
func (l link) binary(raw float64, p []float64) {
	if l == halfLogitLink {
		raw *= 2
	}
	p[1] = expit(raw)
	p[0] = 1 - p[1]
}
