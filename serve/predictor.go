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
	// batch is P.Model's batch scorer when it has one (gbdt): a request of
	// several rows is preprocessed into one block and scored tree by tree,
	// in parallel for large batches, with the same answers as row by row.
	batch  rowsPredictor
	blocks sync.Pool // *rowBlock
}

// rowsPredictor scores a batch of preprocessed rows, each exactly as its
// one-row scorer would.
type rowsPredictor interface {
	PredictRows(rows [][]float64, out []float64)
}

// rowBlock is the scratch space of one batch: the features of every row
// in one slice, the rows' views of it, and their scores.
type rowBlock struct {
	x      []float64
	rows   [][]float64
	scores []float64
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
	batch, _ := p.Model.(rowsPredictor)
	return &PredictorModel{P: p, cols: cols, row: row, batch: batch}, nil
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
			out[i] = Prediction{Value: p, Label: l}
		}
		return nil
	}
	if m.batch != nil {
		return m.predictBatch(rows, out)
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
		out[i] = Prediction{Value: p, Label: m.P.Label(p)}
	}
	return nil
}

// predictBatch is Predict for a batch scorer: every row preprocessed into
// one block, then scored at once.
func (m *PredictorModel) predictBatch(rows [][]any, out []Prediction) error {
	b, _ := m.blocks.Get().(*rowBlock)
	if b == nil {
		b = new(rowBlock)
	}
	defer m.blocks.Put(b)
	n, nf := len(rows), m.P.Preprocessor.NumFeatures()
	if cap(b.x) < n*nf {
		b.x = make([]float64, n*nf)
	}
	if cap(b.rows) < n {
		b.rows, b.scores = make([][]float64, n), make([]float64, n)
	}
	b.rows, b.scores = b.rows[:n], b.scores[:n]
	if i, err := m.P.Preprocessor.TransformRows(rows, b.x[:n*nf]); err != nil {
		return fmt.Errorf("row %d: predictor: %w", i, err)
	}
	for i := range b.rows {
		b.rows[i] = b.x[i*nf : (i+1)*nf : (i+1)*nf]
	}
	m.batch.PredictRows(b.rows, b.scores)
	for i, p := range b.scores {
		out[i] = Prediction{Value: p, Label: m.P.Label(p)}
	}
	return nil
}
