package predictor

import (
	"bytes"
	"testing"

	"github.com/weir-ml/weir/ml/linear"
)

// FuzzLoad feeds damaged predictor files to Load: every input must give a
// predictor that scores or an error, never a panic.
func FuzzLoad(f *testing.F) {
	good := mustSave(f, mustFit(f, mustSmall(f), linear.NewLogisticRegression()))
	f.Add(good)
	f.Add([]byte(`{"format_version":1}`))
	f.Add([]byte(`{"format_version":1,"learner":"gbdt","classes":["a","b"],"target":"y","model":{"format_version":1}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := Load(bytes.NewReader(b))
		if err != nil {
			return
		}
		row := make([]any, len(p.InputSchema().Fields))
		if _, _, err := p.PredictRow(row); err != nil {
			return
		}
		// Inputs the frame lacks are an error; the rest must score.
		p.PredictFrame(mustSmall(t))
	})
}
