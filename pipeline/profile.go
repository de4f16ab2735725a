package pipeline

import (
	"os"
	"path/filepath"

	"github.com/weir-ml/weir/ml/frame"
	"github.com/weir-ml/weir/ml/predictor"
	"github.com/weir-ml/weir/mlmodel"
	"github.com/weir-ml/weir/monitor"
)

// referenceProfile profiles the training rows scored by p: the reference
// that monitoring compares served data, predictions and labels with.
func (r *Runner) referenceProfile(p *predictor.Predictor) (*monitor.Profile, error) {
	ref, err := r.scoredTraining(p)
	if err != nil {
		return nil, err
	}
	return monitor.NewProfile(ref, monitor.ProfileOptions{Target: r.Spec.Data.Target, Prediction: predictionColumn, PositiveLabel: r.Spec.Data.Positive})
}

// scoredTraining returns the training rows with p's score as a column.
func (r *Runner) scoredTraining(p *predictor.Predictor) (*frame.Frame, error) {
	f, _, err := r.features()
	if err != nil {
		return nil, err
	}
	g, err := f.Take(r.st.train)
	if err != nil {
		return nil, err
	}
	proba, _, err := p.PredictFrame(g)
	if err != nil {
		return nil, err
	}
	return g.With(predictionColumn, &frame.FloatColumn{Values: proba})
}

// hasReferenceProfile says whether a model directory carries its profile;
// a register step cached before models carried one is run again.
func hasReferenceProfile(modelDir string) bool {
	_, err := os.Stat(filepath.Join(modelDir, mlmodel.ReferenceProfileFile))
	return err == nil
}
