package serve

import (
	"fmt"
	"sync"

	"github.com/weir-ml/weir/ml"
	"github.com/weir-ml/weir/mlmodel"
)

// ScorerModel serves an mlmodel.Scorer: a model of any flavor that Weir
// scores natively (LightGBM, XGBoost, scikit-learn). Its Output goes in
// Loaded.Output, so that answers take the shape MLflow's server gives for
// the flavor.
type ScorerModel struct {
	S      mlmodel.Scorer
	cols   []Column
	out    mlmodel.Output
	labels []string // the classes as text
	pool   sync.Pool
}

var _ Model = (*ScorerModel)(nil)

// NewScorerModel wraps s, checking that its inputs have MLflow column types
// and its output is one the server can write.
func NewScorerModel(s mlmodel.Scorer) (*ScorerModel, error) {
	m := &ScorerModel{S: s, out: s.Output()}
	for _, in := range s.Inputs() {
		t, err := ColumnType(in.Kind)
		if err != nil {
			return nil, fmt.Errorf("serve: model input %q: %w", in.Name, err)
		}
		m.cols = append(m.cols, Column{Name: in.Name, Type: t, Required: in.Required})
	}
	switch m.out.Task {
	case "":
		if m.out.Predict != mlmodel.PredictRaw {
			return nil, fmt.Errorf("serve: model has no task; only a model answering raw JSON may")
		}
	case ml.TaskRegression:
	case ml.TaskBinary, ml.TaskMulticlass:
		if len(m.out.Classes) < 2 {
			return nil, fmt.Errorf("serve: classifier has %d classes, want at least 2", len(m.out.Classes))
		}
		for _, c := range m.out.Classes {
			switch c.(type) {
			case string, int64, float64, bool:
			default:
				return nil, fmt.Errorf("serve: classifier has a class label of type %T", c)
			}
			m.labels = append(m.labels, classText(c))
		}
	default:
		return nil, fmt.Errorf("serve: model has task %q, want binary, multiclass or regression", m.out.Task)
	}
	switch m.out.Predict {
	case mlmodel.PredictLabel, mlmodel.PredictProba:
		if m.out.Task == ml.TaskRegression {
			return nil, fmt.Errorf("serve: a regressor cannot predict %s", m.out.Predict)
		}
	case mlmodel.PredictValue, mlmodel.PredictRaw:
	default:
		return nil, fmt.Errorf("serve: model output %q is not label, proba, value or raw", m.out.Predict)
	}
	return m, nil
}

// Inputs returns the scorer's input columns.
func (m *ScorerModel) Inputs() []Column { return m.cols }

// Output returns what the scorer's answers are, for Loaded.Output.
func (m *ScorerModel) Output() mlmodel.Output { return m.out }

// Predict scores rows. A multiclass row's Proba is its own slice of one
// allocation per request, since the inference log may keep it after the
// answer is written.
func (m *ScorerModel) Predict(rows [][]any, out []Prediction) error {
	sc, _ := m.pool.Get().(*mlmodel.Scores)
	if sc == nil {
		sc = new(mlmodel.Scores)
	}
	defer m.pool.Put(sc)
	k := len(m.out.Classes)
	sc.Resize(len(rows), k)
	if err := m.S.Score(rows, sc); err != nil {
		return err
	}
	var proba []float64
	if m.out.Task == ml.TaskMulticlass || m.out.AllClasses {
		proba = make([]float64, len(rows)*k)
		copy(proba, sc.Proba)
	}
	raw := m.out.Predict == mlmodel.PredictRaw
	for i := range rows {
		p := Prediction{Value: sc.Value[i]}
		if raw {
			// The scorer's buffers are reused: the answer keeps a copy.
			p.Raw = append([]byte(nil), sc.Raw[i]...)
		}
		if k > 0 {
			c := sc.Label[i]
			if c < 0 || c >= k {
				return fmt.Errorf("row %d: model gives class %d of %d", i, c, k)
			}
			p.Class, p.Label = c, m.labels[c]
			if proba != nil {
				p.Proba = proba[i*k : (i+1)*k : (i+1)*k]
				if m.out.Task == ml.TaskMulticlass {
					p.Value = p.Proba[c]
				}
			}
		}
		out[i] = p
	}
	return nil
}
