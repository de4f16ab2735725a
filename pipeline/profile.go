package pipeline

import (
	"os"
	"path/filepath"

	"github.com/weir-ml/weir/ml"
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
	return monitor.NewProfile(ref, r.profileOptions())
}

// profileOptions name the target and prediction columns of profiles; a
// binary target's positive class makes its rate.
func (r *Runner) profileOptions() monitor.ProfileOptions {
	o := monitor.ProfileOptions{Target: r.Spec.Data.Target, Prediction: predictionColumn}
	if r.st.info.Task == ml.TaskBinary {
		o.PositiveLabel = r.st.info.Classes[1]
	}
	return o
}

// predictionOf is the column a model's predictions make in monitored
// frames: P(positive) for binary, the label for multiclass, the value for
// regression.
func predictionOf(p *predictor.Predictor, g *frame.Frame) (frame.Column, error) {
	switch p.Task {
	case ml.TaskRegression:
		v, err := p.PredictValueFrame(g)
		return &frame.FloatColumn{Values: v}, err
	case ml.TaskMulticlass:
		_, labels, err := p.PredictProbaFrame(g)
		if err != nil {
			return nil, err
		}
		return categorical(labels), nil
	}
	proba, _, err := p.PredictFrame(g)
	return &frame.FloatColumn{Values: proba}, err
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
	c, err := predictionOf(p, g)
	if err != nil {
		return nil, err
	}
	return g.With(predictionColumn, c)
}

// hasReferenceProfile says whether a model directory carries its profile;
// a register step cached before models carried one is run again.
func hasReferenceProfile(modelDir string) bool {
	_, err := os.Stat(filepath.Join(modelDir, mlmodel.ReferenceProfileFile))
	return err == nil
}

// categorical dictionary-encodes labels, levels in order of appearance.
func categorical(labels []string) *frame.CategoricalColumn {
	c := &frame.CategoricalColumn{Codes: make([]int32, len(labels))}
	code := map[string]int32{}
	for i, l := range labels {
		k, ok := code[l]
		if !ok {
			k = int32(len(c.Levels))
			code[l] = k
			c.Levels = append(c.Levels, l)
		}
		c.Codes[i] = k
	}
	return c
}
