package serve

import (
	"fmt"
	"sync"

	"github.com/weir-ml/weir/ml"
	"github.com/weir-ml/weir/ml/frame"
	"github.com/weir-ml/weir/ml/predictor"
	"github.com/weir-ml/weir/mlmodel"
)

// PredictorModel serves an ml/predictor.Predictor: its input schema becomes
// the signature (every column required, as MLflow infers from an input
// example), and each row is scored as the predictor's one-row calls do:
// PredictRow (binary), PredictProbaRow (multiclass) or PredictValueRow
// (regression). Its Output goes in Loaded.Output.
type PredictorModel struct {
	P    *predictor.Predictor
	cols []Column
	out  mlmodel.Output
	// proba is P.Model's one-row scorer for a multiclass predictor, k its
	// number of classes (0 otherwise).
	proba ml.RowProbaPredictor
	k     int
	// regression: Predict gives values only.
	regression bool
	// row is P.Model's one-row scorer for a binary or regression
	// predictor: Predict runs the preprocessor and
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
	m := &PredictorModel{P: p, cols: cols, out: mlmodel.PredictorOutput(p)}
	switch m.out.Task {
	case ml.TaskBinary, ml.TaskRegression:
		m.row, _ = p.Model.(ml.RowPredictor)
		m.batch, _ = p.Model.(rowsPredictor)
	case ml.TaskMulticlass:
		m.proba, _ = p.Model.(ml.RowProbaPredictor)
		m.k = len(p.Classes)
		if m.proba == nil || m.k < 3 {
			return nil, fmt.Errorf("serve: multiclass predictor is not checked")
		}
	default:
		return nil, fmt.Errorf("serve: predictor has task %q", m.out.Task)
	}
	if m.regression = m.out.Task == ml.TaskRegression; m.regression && m.row == nil {
		return nil, fmt.Errorf("serve: regression predictor is not checked")
	}
	return m, nil
}

// Output describes the predictor's answers (Weir's records for its task),
// for Loaded.Output.
func (m *PredictorModel) Output() mlmodel.Output { return m.out }

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
// preprocessing, learner and label), allocating nothing per row once warm,
// except a multiclass request's probabilities: one slice per request, which
// the rows' Proba share, since the inference log may keep them after the
// answer is written.
func (m *PredictorModel) Predict(rows [][]any, out []Prediction) error {
	switch {
	case m.k > 0:
		return m.predictMulticlass(rows, out)
	case m.regression:
		return m.predictValues(rows, out)
	}
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

// predictValues is Predict for a regression predictor.
func (m *PredictorModel) predictValues(rows [][]any, out []Prediction) error {
	if m.batch != nil {
		return m.predictBatch(rows, out)
	}
	buf := m.buffer()
	defer m.bufs.Put(buf)
	for i, r := range rows {
		x, err := m.P.Preprocessor.TransformRow(r, *buf)
		if err != nil {
			return fmt.Errorf("row %d: predictor: %w", i, err)
		}
		*buf = x
		out[i] = Prediction{Value: m.row.PredictRow(x) + m.P.Offset}
	}
	return nil
}

// predictMulticlass is Predict for a multiclass predictor: Value is the
// probability of the decided label, Class its index.
func (m *PredictorModel) predictMulticlass(rows [][]any, out []Prediction) error {
	buf := m.buffer()
	defer m.bufs.Put(buf)
	k := m.k
	proba := make([]float64, len(rows)*k)
	for i, r := range rows {
		x, err := m.P.Preprocessor.TransformRow(r, *buf)
		if err != nil {
			return fmt.Errorf("row %d: predictor: %w", i, err)
		}
		*buf = x
		p := proba[i*k : (i+1)*k : (i+1)*k]
		m.proba.PredictProbaRow(x, p)
		c := m.P.Decide(p)
		out[i] = Prediction{Value: p[c], Label: m.P.Classes[c], Class: c, Proba: p}
	}
	return nil
}

func (m *PredictorModel) buffer() *[]float64 {
	buf, _ := m.bufs.Get().(*[]float64)
	if buf == nil {
		buf = new([]float64)
		*buf = make([]float64, m.P.Preprocessor.NumFeatures())
	}
	return buf
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
	if m.regression {
		for i, p := range b.scores {
			out[i] = Prediction{Value: p + m.P.Offset}
		}
		return nil
	}
	for i, p := range b.scores {
		out[i] = Prediction{Value: p, Label: m.P.Label(p)}
	}
	return nil
}
