package pipeline

import (
	"fmt"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/ml/frame"
)

// state carries what steps hand to later steps within one invocation. A
// cached step's load fills the same fields from its record.
type state struct {
	spec         *Spec
	summary      *Summary
	experimentID string

	dataPath string
	dataset  acquireResult // what acquire recorded, for lineage on every run
	frame    *frame.Frame  // the whole dataset, leakage columns included
	periods  []string      // each row's period (monitoring.period_column), if any
	digest   string        // frame.Digest of the data as read
	rawCols  int           // columns of the data as read
	train    []int         // rows of the training periods
	holdout  []int         // rows after them

	modelPath  string // the winning predictor.json
	oofPath    string // the winner's out-of-fold scores
	candidates []candidateResult
	winner     string
	modelDir   string // the MLflow model directory of the winner
	threshold  float64
}

// data loads the dataset once, adds the declared derived columns and
// splits the rows as the spec says.
func (s *state) data() (*frame.Frame, error) {
	if s.frame != nil {
		return s.frame, nil
	}
	if s.dataPath == "" {
		return nil, weir.Errorf(weir.ErrInvalidState, "no data: the acquire step has not run")
	}
	f, err := frame.ReadCSVFile(s.dataPath, frame.CSVOptions{})
	if err != nil {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "data %s: %v", s.dataPath, err)
	}
	// The digest is of the data as read, before any derived column.
	s.digest, s.rawCols = frame.Digest(f), f.NumCols()
	if d := s.spec.Data.Digest; d != "" && s.digest != d {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "data %s: content digest %s, want %s: not the data the pipeline was written for", s.dataPath, s.digest, d)
	}
	if f, err = derive(f, s.spec.Data.Derived); err != nil {
		return nil, err
	}
	s.frame = f
	all := make([]int, f.NumRows())
	for i := range all {
		all[i] = i
	}
	y, err := s.target(all)
	if err != nil {
		s.frame = nil
		return nil, err
	}
	fo, err := splitRows(f, s.spec.Split, y, s.spec.Seed)
	if err != nil {
		s.frame = nil
		return nil, err
	}
	s.train, s.holdout = fo.Train, fo.Test
	if s.periods, err = periodsOf(f, s.spec.periodColumn()); err != nil {
		s.frame = nil
		return nil, err
	}
	return f, nil
}

// periodsOf returns each row's period, the text of the period column, or
// nil when there is none.
func periodsOf(f *frame.Frame, col string) ([]string, error) {
	if col == "" {
		return nil, nil
	}
	c, err := f.Column(col)
	if err != nil {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "monitoring.period_column: %v", err)
	}
	out := make([]string, c.Len())
	for i := range out {
		out[i] = c.Text(i)
	}
	return out, nil
}

// target returns the 0/1 target of the given rows.
func (s *state) target(rows []int) ([]float64, error) {
	c, err := s.frame.Column(s.spec.Data.Target)
	if err != nil {
		return nil, err
	}
	y := make([]float64, len(rows))
	for k, i := range rows {
		if c.IsMissing(i) {
			return nil, fmt.Errorf("target %s is missing in row %d", s.spec.Data.Target, i+1)
		}
		if c.Text(i) == s.spec.Data.Positive {
			y[k] = 1
		}
	}
	return y, nil
}
