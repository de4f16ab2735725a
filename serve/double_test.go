package serve

import (
	"errors"
	"math"
	"sync"
	"sync/atomic"
)

// fakeModel is a hand-written Model double: columns age (long), job
// (string), balance (double, optional); probability age/100, label "yes"
// above 0.5. Predict may be replaced.
type fakeModel struct {
	cols    []Column
	predict func(rows [][]any, out []Prediction) error
	calls   atomic.Int64
	mu      sync.Mutex
	seen    [][]any // rows of the last call
}

var _ Model = (*fakeModel)(nil)

func newFakeModel() *fakeModel {
	return &fakeModel{cols: []Column{
		{Name: "age", Type: TypeLong, Required: true},
		{Name: "job", Type: TypeString, Required: true},
		{Name: "balance", Type: TypeDouble},
	}}
}

func (m *fakeModel) Inputs() []Column { return m.cols }

func (m *fakeModel) Predict(rows [][]any, out []Prediction) error {
	m.calls.Add(1)
	m.mu.Lock()
	m.seen = rows
	m.mu.Unlock()
	if m.predict != nil {
		return m.predict(rows, out)
	}
	return agePredict(rows, out)
}

func agePredict(rows [][]any, out []Prediction) error {
	for i, r := range rows {
		age, ok := r[0].(int64)
		if !ok {
			return errors.New("age is not an int64")
		}
		p := math.Min(float64(age)/100, 1)
		out[i] = Prediction{Value: p, Label: "no"}
		if p > 0.5 {
			out[i].Label = "yes"
		}
	}
	return nil
}

func (m *fakeModel) lastRows() [][]any {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.seen
}

func loadedFake(m *fakeModel, version string) *Loaded {
	return &Loaded{Model: m, Name: "bank", Version: version, Example: [][]any{{int64(30), "admin.", 10.0}}}
}
