package pipeline

import (
	"fmt"
	"slices"

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
	years    []int         // each row's year
	train    []int         // rows of the training periods
	holdout  []int         // rows after them

	modelPath  string // the winning predictor.json
	oofPath    string // the winner's out-of-fold scores
	candidates []candidateResult
	winner     string
	modelDir   string // the MLflow model directory of the winner
	threshold  float64
}

// data loads the dataset once and derives each row's year.
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
	years, err := deriveYears(f, s.spec.Data.MonthColumn, s.spec.Data.StartYear)
	if err != nil {
		return nil, err
	}
	s.frame, s.years = f, years
	s.train, s.holdout = nil, nil
	last := slices.Max(s.spec.Data.TrainPeriods)
	for i, y := range years {
		switch {
		case slices.Contains(s.spec.Data.TrainPeriods, y):
			s.train = append(s.train, i)
		case y > last:
			s.holdout = append(s.holdout, i)
		}
	}
	if len(s.train) == 0 || len(s.holdout) == 0 {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "data: train periods %v leave %d training and %d holdout rows", s.spec.Data.TrainPeriods, len(s.train), len(s.holdout))
	}
	return f, nil
}

var monthNumbers = map[string]int{"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12}

// deriveYears assigns years to rows in time order: a month earlier than the
// previous row's starts a new year.
func deriveYears(f *frame.Frame, col string, start int) ([]int, error) {
	c, err := f.Column(col)
	if err != nil {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "data.month_column: %v", err)
	}
	years := make([]int, c.Len())
	year, prev := start, 0
	for i := range years {
		m, ok := monthNumbers[c.Text(i)]
		if !ok {
			return nil, weir.Errorf(weir.ErrInvalidParameterValue, "data: row %d: month %q is not jan..dec", i+1, c.Text(i))
		}
		if m < prev {
			year++
		}
		prev = m
		years[i] = year
	}
	return years, nil
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
