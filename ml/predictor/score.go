package predictor

import (
	"fmt"

	"github.com/weir-ml/weir/ml"
	"github.com/weir-ml/weir/ml/frame"
)

var errUnchecked = fmt.Errorf("predictor: not checked (use Fit, Load or Check)")

// ready returns an error unless p is checked and of one of the tasks an
// API serves; use names the API for the message.
func (p *Predictor) ready(use string, tasks ...string) error {
	if p.rowBinary == nil && p.rowProba == nil {
		return errUnchecked
	}
	for _, t := range tasks {
		if p.Task == t {
			return nil
		}
	}
	return fmt.Errorf("predictor: %s does not score a %s predictor", use, p.Task)
}

// PredictFrame scores every row of f with a binary predictor; f needs the
// input columns (others, such as the target, are ignored). It returns the
// positive-class probability and the label of each row.
func (p *Predictor) PredictFrame(f *frame.Frame) (proba []float64, labels []string, err error) {
	if err := p.ready("PredictFrame", ml.TaskBinary); err != nil {
		return nil, nil, err
	}
	X, err := p.Preprocessor.Transform(f)
	if err != nil {
		return nil, nil, fmt.Errorf("predictor: %w", err)
	}
	proba, err = p.Model.(ml.Classifier).PredictProba(X)
	if err != nil {
		return nil, nil, fmt.Errorf("predictor: %w", err)
	}
	labels = make([]string, len(proba))
	for i, x := range proba {
		labels[i] = p.Label(x)
	}
	return proba, labels, nil
}

// PredictProbaFrame scores every row of a binary or multiclass predictor:
// proba[i*K+k] is P(Classes[k]) for row i of f, and labels[i] is the label
// Decide gives it.
func (p *Predictor) PredictProbaFrame(f *frame.Frame) (proba []float64, labels []string, err error) {
	if err := p.ready("PredictProbaFrame", ml.TaskBinary, ml.TaskMulticlass); err != nil {
		return nil, nil, err
	}
	if p.Task == ml.TaskBinary {
		pos, labels, err := p.PredictFrame(f)
		if err != nil {
			return nil, nil, err
		}
		proba = make([]float64, 2*len(pos))
		for i, x := range pos {
			proba[2*i], proba[2*i+1] = 1-x, x
		}
		return proba, labels, nil
	}
	X, err := p.Preprocessor.Transform(f)
	if err != nil {
		return nil, nil, fmt.Errorf("predictor: %w", err)
	}
	proba, err = p.Model.(ml.MulticlassClassifier).PredictProbaMulti(X)
	if err != nil {
		return nil, nil, fmt.Errorf("predictor: %w", err)
	}
	k := len(p.Classes)
	if len(proba) != X.Rows*k {
		return nil, nil, fmt.Errorf("predictor: learner gave %d probabilities for %d rows of %d classes", len(proba), X.Rows, k)
	}
	labels = make([]string, X.Rows)
	for i := range labels {
		labels[i] = p.Classes[p.Decide(proba[i*k:(i+1)*k])]
	}
	return proba, labels, nil
}

// PredictValueFrame returns a regression predictor's prediction for every
// row of f.
func (p *Predictor) PredictValueFrame(f *frame.Frame) ([]float64, error) {
	if err := p.ready("PredictValueFrame", ml.TaskRegression); err != nil {
		return nil, err
	}
	X, err := p.Preprocessor.Transform(f)
	if err != nil {
		return nil, fmt.Errorf("predictor: %w", err)
	}
	v, err := p.Model.(ml.Regressor).Predict(X)
	if err != nil {
		return nil, fmt.Errorf("predictor: %w", err)
	}
	if p.Offset != 0 {
		for i := range v {
			v[i] += p.Offset
		}
	}
	return v, nil
}

// PredictRow scores one row of a binary predictor given as the input
// values in InputSchema order (see transform.Preprocessor.TransformRow for
// the Go types accepted). It allocates nothing once warm beyond what the
// conversion of values needs.
func (p *Predictor) PredictRow(values []any) (proba float64, label string, err error) {
	if err := p.ready("PredictRow", ml.TaskBinary); err != nil {
		return 0, "", err
	}
	buf := p.buffer()
	defer p.bufs.Put(buf)
	if *buf, err = p.Preprocessor.TransformRow(values, *buf); err != nil {
		return 0, "", fmt.Errorf("predictor: %w", err)
	}
	proba = p.rowBinary.PredictRow(*buf)
	return proba, p.Label(proba), nil
}

// PredictMap is PredictRow with the inputs looked up by column name; a
// missing input column is an error, extra keys are ignored.
func (p *Predictor) PredictMap(values map[string]any) (proba float64, label string, err error) {
	if err := p.ready("PredictMap", ml.TaskBinary); err != nil {
		return 0, "", err
	}
	buf := p.buffer()
	defer p.bufs.Put(buf)
	if *buf, err = p.Preprocessor.TransformMap(values, *buf); err != nil {
		return 0, "", fmt.Errorf("predictor: %w", err)
	}
	proba = p.rowBinary.PredictRow(*buf)
	return proba, p.Label(proba), nil
}

// PredictProbaRow scores one row of a binary or multiclass predictor (the
// values as PredictRow takes them) into out, which must hold NumClasses()
// probabilities in Classes order, and returns the index in Classes of the
// label Decide gives. It allocates nothing once warm beyond what the
// conversion of values needs.
func (p *Predictor) PredictProbaRow(values []any, out []float64) (class int, err error) {
	if err := p.ready("PredictProbaRow", ml.TaskBinary, ml.TaskMulticlass); err != nil {
		return 0, err
	}
	if len(out) != len(p.Classes) {
		return 0, fmt.Errorf("predictor: PredictProbaRow given room for %d probabilities, want %d", len(out), len(p.Classes))
	}
	buf := p.buffer()
	defer p.bufs.Put(buf)
	if *buf, err = p.Preprocessor.TransformRow(values, *buf); err != nil {
		return 0, fmt.Errorf("predictor: %w", err)
	}
	if p.Task == ml.TaskBinary {
		x := p.rowBinary.PredictRow(*buf)
		out[0], out[1] = 1-x, x
	} else {
		p.rowProba.PredictProbaRow(*buf, out)
	}
	return p.Decide(out), nil
}

// PredictValueRow returns a regression predictor's prediction for one row
// (the values as PredictRow takes them), allocating nothing once warm
// beyond what the conversion of values needs.
func (p *Predictor) PredictValueRow(values []any) (float64, error) {
	if err := p.ready("PredictValueRow", ml.TaskRegression); err != nil {
		return 0, err
	}
	buf := p.buffer()
	defer p.bufs.Put(buf)
	var err error
	if *buf, err = p.Preprocessor.TransformRow(values, *buf); err != nil {
		return 0, fmt.Errorf("predictor: %w", err)
	}
	return p.rowBinary.PredictRow(*buf) + p.Offset, nil
}

func (p *Predictor) buffer() *[]float64 {
	if b, ok := p.bufs.Get().(*[]float64); ok {
		return b
	}
	b := make([]float64, p.Preprocessor.NumFeatures())
	return &b
}
