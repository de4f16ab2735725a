package serve

import (
	"fmt"
	"sync"

	"github.com/weir-ml/weir/ml"
	"github.com/weir-ml/weir/ml/frame"
	"github.com/weir-ml/weir/ml/predictor"
)

// PredictorModel serves an ml/predictor.Predictor: its input schema becomes
// the signature (every column required, as MLflow infers from an input
// example), and each row is scored with PredictRow.
type PredictorModel struct {
	P    *predictor.Predictor
	cols []Column
	// row is P.Model's one-row scorer: Predict runs the preprocessor and
	// it with one feature buffer per request, where P.PredictRow takes a
	// buffer from a pool for every row.
	row  ml.RowPredictor
	bufs sync.Pool // *[]float64
}

var _ Model = (*PredictorModel)(nil)

// NewPredictorModel wraps p, which must be fitted or loaded.
func NewPredictorModel(p *predictor.Predictor) (*PredictorModel, error) {
	if p == nil || p.Preprocessor == nil {
		return nil, fmt.Errorf("serve: predictor is not fitted")
	}
	s := p.InputSchema()
	cols := make([]Column, len(s.Fields))
	for i, f := range s.Fields {
		t, err := ColumnType(f.Kind)
		if err != nil {
			return nil, fmt.Errorf("serve: predictor input %q: %w", f.Name, err)
		}
		cols[i] = Column{Name: f.Name, Type: t, Required: true}
	}
	row, _ := p.Model.(ml.RowPredictor)
	return &PredictorModel{P: p, cols: cols, row: row}, nil
}

// ColumnType returns the MLflow column type of a frame column kind.
func ColumnType(k frame.Kind) (string, error) {
	switch k {
	case frame.Float:
		return TypeDouble, nil
	case frame.Int:
		return TypeLong, nil
	case frame.Categorical:
		return TypeString, nil
	case frame.Bool:
		return TypeBoolean, nil
	case frame.Time:
		return TypeDatetime, nil
	}
	return "", fmt.Errorf("no MLflow column type for kind %v", k)
}

// Inputs returns the predictor's input columns.
func (m *PredictorModel) Inputs() []Column { return m.cols }

// Predict scores each row as the predictor's one-row path does (the same
// preprocessing, learner and label), allocating nothing per row once warm.
func (m *PredictorModel) Predict(rows [][]any, out []Prediction) error {
	if m.row == nil {
		for i, r := range rows {
			p, l, err := m.P.PredictRow(r)
			if err != nil {
				return fmt.Errorf("row %d: %w", i, err)
			}
			out[i] = Prediction{Probability: p, Label: l}
		}
		return nil
	}
	buf, _ := m.bufs.Get().(*[]float64)
	if buf == nil {
		buf = new([]float64)
		*buf = make([]float64, m.P.Preprocessor.NumFeatures())
	}
	defer m.bufs.Put(buf)
	for i, r := range rows {
		x, err := m.P.Preprocessor.TransformRow(r, *buf)
		if err != nil {
			return fmt.Errorf("row %d: predictor: %w", i, err)
		}
		*buf = x
		p := m.row.PredictRow(x)
		out[i] = Prediction{Probability: p, Label: m.P.Label(p)}
	}
	return nil
}
