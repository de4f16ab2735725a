package pipeline

import (
	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/ml"
	"github.com/weir-ml/weir/ml/frame"
)

// state carries what steps hand to later steps within one invocation. A
// cached step's load fills the same fields from its record.
type state struct {
	spec         *Spec
	summary      *Summary
	experimentID string

	dataPath string
	read     func(path string) (*frame.Frame, error) // Runner.ReadData
	dataset  acquireResult                           // what acquire recorded, for lineage on every run
	frame    *frame.Frame                            // the whole dataset, leakage columns included
	periods  []string                                // each row's period (monitoring.period_column), if any
	info     targetInfo                              // the task and the classes
	digest   string                                  // frame.Digest of the data as read
	rawCols  int                                     // columns of the data as read
	train    []int                                   // rows of the training periods
	holdout  []int                                   // rows after them

	modelPath  string  // the winning predictor.json
	oofPath    string  // the winner's out-of-fold scores
	offset     float64 // a regression winner's shift to its value of least expected cost
	candidates []candidateResult
	winner     string
	modelDir   string // the MLflow model directory of the winner
	threshold  float64
	inspection *Inspection // the winner's confusion matrix and importance
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
	read := s.read
	if read == nil {
		read = func(p string) (*frame.Frame, error) { return frame.ReadCSVFile(p, frame.CSVOptions{}) }
	}
	f, err := read(s.dataPath)
	if err != nil {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "data %s: %v", s.dataPath, err)
	}
	if f.NumRows() == 0 {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "data %s has a header but no rows", s.dataPath)
	}
	// The digest is of the data as read, before any derived column.
	s.digest, s.rawCols = frame.Digest(f), f.NumCols()
	if d := s.spec.Data.Digest; d != "" && s.digest != d {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "data %s: content digest %s, want %s: not the data the pipeline was written for", s.dataPath, s.digest, d)
	}
	if f, err = derive(f, s.spec.Data.Derived); err != nil {
		return nil, err
	}
	if s.info, err = inferTarget(f, s.spec.Data, s.spec.Task); err != nil {
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
	if s.info.Task == ml.TaskRegression {
		y = nil // nothing to stratify
	}
	fo, err := splitRows(f, s.spec.Split, y, s.spec.Seed)
	if err != nil {
		s.frame = nil
		return nil, err
	}
	s.train, s.holdout = fo.Train, fo.Test
	if err := s.checkHoldoutClasses(y); err != nil {
		s.frame = nil
		return nil, err
	}
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

// target returns the target of the given rows as learners read it: 0/1
// for binary, the class index for multiclass, the value for regression.
func (s *state) target(rows []int) ([]float64, error) {
	c, err := s.frame.Column(s.spec.Data.Target)
	if err != nil {
		return nil, err
	}
	y, err := s.info.encode(c, rows)
	if err != nil {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "target %s: %v", s.spec.Data.Target, err)
	}
	return y, nil
}

// checkHoldoutClasses refuses a split whose holdout has a class the
// training rows lack: no model fitted on them could predict it.
func (s *state) checkHoldoutClasses(y []float64) error {
	if s.info.Task == ml.TaskRegression {
		return nil
	}
	inTrain := make([]bool, len(s.info.Classes))
	for _, i := range s.train {
		inTrain[int(y[i])] = true
	}
	missing := map[int]int{}
	for _, i := range s.holdout {
		if c := int(y[i]); !inTrain[c] {
			missing[c]++
		}
	}
	for c, n := range missing {
		return weir.Errorf(weir.ErrInvalidParameterValue, "class %q appears only in the holdout (%s rows): no model trained on the training rows can predict it; drop those rows or change the split",
			s.info.Classes[c], thousands(n))
	}
	return nil
}
