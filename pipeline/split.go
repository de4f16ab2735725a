package pipeline

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/ml/frame"
	"github.com/weir-ml/weir/ml/selection"
)

// Split kinds: how the rows are cut into training and holdout.
const (
	SplitTime   = "time"   // train on the past, hold out the future
	SplitRandom = "random" // a seeded random fraction (stratified for classification)
	SplitGroup  = "group"  // whole groups on one side
	SplitColumn = "column" // a column already says train or holdout
)

var splitKinds = []string{SplitTime, SplitRandom, SplitGroup, SplitColumn}

// SplitSpec says how the holdout is set aside. Cross-validation within the
// training rows follows the same kind: forward-chaining folds for time,
// stratified k-fold for random and column, group k-fold for group.
type SplitSpec struct {
	Kind string `yaml:"kind" json:"kind"`
	// Column is the time column (a date, a datetime or a number) for time,
	// the group column for group, the train/holdout column for column.
	Column string `yaml:"column" json:"column,omitempty"`
	// Cutoff (time): rows at or after it are the holdout; a number or a
	// date (2009-01-01) or datetime in RFC 3339.
	Cutoff string `yaml:"cutoff" json:"cutoff,omitempty"`
	// HoldoutFraction is the share of rows held out: the latest for time
	// (when no cutoff is given), a random share for random and group.
	HoldoutFraction float64 `yaml:"holdout_fraction" json:"holdout_fraction,omitempty"`
	// HoldoutValues (column) are the values of Column that mark holdout
	// rows; every other row trains. Default: holdout, test.
	HoldoutValues []string `yaml:"holdout_values" json:"holdout_values,omitempty"`
}

// DerivedColumn is a column computed from the data as it is read, before
// any step sees it (a feature-engineering step that the split or the
// monitoring periods need, unlike prepare's derived features).
type DerivedColumn struct {
	// Type is "year_from_month_sequence": rows in time order with a month
	// name (jan..dec) and no year; a month earlier than the previous row's
	// starts a new year, counted from StartYear.
	Type      string `yaml:"type" json:"type"`
	Name      string `yaml:"name" json:"name"`
	Column    string `yaml:"column" json:"column"`
	StartYear int    `yaml:"start_year" json:"start_year,omitempty"`
}

var derivedTypes = []string{"year_from_month_sequence"}

func (s SplitSpec) check() error {
	switch s.Kind {
	case SplitTime:
		if s.Column == "" {
			return fmt.Errorf("split.column is required for a time split: the date, datetime or numeric column that orders the rows")
		}
		if (s.Cutoff == "") == (s.HoldoutFraction == 0) {
			return fmt.Errorf("a time split needs exactly one of split.cutoff and split.holdout_fraction")
		}
	case SplitRandom, SplitGroup:
		if s.Kind == SplitGroup && s.Column == "" {
			return fmt.Errorf("split.column is required for a group split: the column naming each row's group")
		}
		if !(s.HoldoutFraction > 0 && s.HoldoutFraction < 1) {
			return fmt.Errorf("split.holdout_fraction must be between 0 and 1 for a %s split, got %v", s.Kind, s.HoldoutFraction)
		}
	case SplitColumn:
		if s.Column == "" {
			return fmt.Errorf("split.column is required for a column split: the column that says train or holdout")
		}
	default:
		return fmt.Errorf("split.kind %q must be one of %s", s.Kind, strings.Join(splitKinds, ", "))
	}
	if s.HoldoutFraction < 0 || s.HoldoutFraction >= 1 {
		return fmt.Errorf("split.holdout_fraction %v must be between 0 and 1", s.HoldoutFraction)
	}
	return nil
}

func (d DerivedColumn) check() error {
	if d.Type != "year_from_month_sequence" {
		return fmt.Errorf("data.derived type %q must be one of %s", d.Type, strings.Join(derivedTypes, ", "))
	}
	if d.Name == "" || d.Column == "" || d.StartYear == 0 {
		return fmt.Errorf("data.derived %s needs name, column and start_year", d.Type)
	}
	return nil
}

// derive adds the spec's derived columns to f.
func derive(f *frame.Frame, ds []DerivedColumn) (*frame.Frame, error) {
	for _, d := range ds {
		years, err := deriveYears(f, d.Column, d.StartYear)
		if err != nil {
			return nil, err
		}
		if f, err = f.With(d.Name, &frame.IntColumn{Values: years}); err != nil {
			return nil, weir.Errorf(weir.ErrInvalidParameterValue, "data.derived %s: %v", d.Name, err)
		}
	}
	return f, nil
}

var monthNumbers = map[string]int{"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12}

// deriveYears assigns years to rows in time order: a month earlier than the
// previous row's starts a new year.
func deriveYears(f *frame.Frame, col string, start int) ([]int64, error) {
	c, err := f.Column(col)
	if err != nil {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "data.derived: %v", err)
	}
	years := make([]int64, c.Len())
	year, prev := start, 0
	for i := range years {
		m, ok := monthNumbers[strings.ToLower(c.Text(i))]
		if !ok {
			return nil, weir.Errorf(weir.ErrInvalidParameterValue, "data: row %d: month %q is not jan..dec", i+1, c.Text(i))
		}
		if m < prev {
			year++
		}
		prev = m
		years[i] = int64(year)
	}
	return years, nil
}

// timeKey reads a column as a time key per row: numbers as they are,
// datetimes as Unix seconds, and text that parses as a date or datetime.
func timeKey(f *frame.Frame, name string) ([]float64, error) {
	c, err := f.Column(name)
	if err != nil {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "split.column: %v", err)
	}
	key := make([]float64, c.Len())
	for i := range key {
		if c.IsMissing(i) {
			return nil, weir.Errorf(weir.ErrInvalidParameterValue, "split.column %s: row %d has no value; a time split needs a time on every row", name, i+1)
		}
		if c.Kind() == frame.Categorical {
			v, err := parseTimeValue(c.Text(i))
			if err != nil {
				return nil, weir.Errorf(weir.ErrInvalidParameterValue, "split.column %s: row %d: %q is not a date, datetime or number", name, i+1, c.Text(i))
			}
			key[i] = v
			continue
		}
		key[i] = c.Float(i)
	}
	return key, nil
}

// parseTimeValue reads a number, a date or an RFC 3339 datetime as a time
// key (dates and datetimes as Unix seconds).
func parseTimeValue(s string) (float64, error) {
	s = strings.TrimSpace(s)
	if v, err := strconv.ParseFloat(s, 64); err == nil && !math.IsNaN(v) {
		return v, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return float64(t.Unix()) + float64(t.Nanosecond())/1e9, nil
		}
	}
	return 0, fmt.Errorf("%q is not a number, a date (2006-01-02) or an RFC 3339 datetime", s)
}

// splitRows cuts the rows of f into training and holdout as the spec says.
// y is the target coded for stratification (nil for regression).
func splitRows(f *frame.Frame, sp SplitSpec, y []float64, seed uint64) (selection.Fold, error) {
	bad := func(err error) (selection.Fold, error) {
		return selection.Fold{}, weir.Errorf(weir.ErrInvalidParameterValue, "split (%s): %v", sp.Kind, err)
	}
	switch sp.Kind {
	case SplitTime:
		key, err := timeKey(f, sp.Column)
		if err != nil {
			return selection.Fold{}, err
		}
		var cut float64
		if sp.Cutoff != "" {
			if cut, err = parseTimeValue(sp.Cutoff); err != nil {
				return bad(fmt.Errorf("split.cutoff: %v", err))
			}
		} else if cut, err = selection.TimeCutoff(key, sp.HoldoutFraction); err != nil {
			return bad(err)
		}
		fo, err := selection.TimeHoldout(key, cut)
		if err != nil {
			return bad(err)
		}
		return fo, nil
	case SplitRandom:
		var fo selection.Fold
		var err error
		if y != nil {
			fo, err = selection.StratifiedHoldout(y, sp.HoldoutFraction, seed)
		} else {
			fo, err = selection.RandomHoldout(f.NumRows(), sp.HoldoutFraction, seed)
		}
		if err != nil {
			return bad(err)
		}
		return fo, nil
	case SplitGroup:
		g, err := columnText(f, sp.Column)
		if err != nil {
			return selection.Fold{}, err
		}
		fo, err := selection.GroupHoldout(g, sp.HoldoutFraction, seed)
		if err != nil {
			return bad(err)
		}
		return fo, nil
	case SplitColumn:
		g, err := columnText(f, sp.Column)
		if err != nil {
			return selection.Fold{}, err
		}
		hold := sp.HoldoutValues
		if len(hold) == 0 {
			hold = []string{"holdout", "test"}
		}
		var fo selection.Fold
		for i, v := range g {
			if contains(hold, v) {
				fo.Test = append(fo.Test, i)
			} else {
				fo.Train = append(fo.Train, i)
			}
		}
		if len(fo.Train) == 0 || len(fo.Test) == 0 {
			return bad(fmt.Errorf("column %s marks %d rows for training and %d for the holdout (holdout values: %s): both sides need rows",
				sp.Column, len(fo.Train), len(fo.Test), strings.Join(hold, ", ")))
		}
		return fo, nil
	}
	return bad(fmt.Errorf("unknown kind"))
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if strings.EqualFold(v, x) {
			return true
		}
	}
	return false
}

// columnText returns a column's values as text; missing values are an
// error, since they name no group.
func columnText(f *frame.Frame, name string) ([]string, error) {
	c, err := f.Column(name)
	if err != nil {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "split.column: %v", err)
	}
	out := make([]string, c.Len())
	for i := range out {
		if c.IsMissing(i) {
			return nil, weir.Errorf(weir.ErrInvalidParameterValue, "split.column %s: row %d has no value", name, i+1)
		}
		out[i] = c.Text(i)
	}
	return out, nil
}

// describe says how the rows were split, for summaries and reports.
func (s SplitSpec) describe() string {
	switch s.Kind {
	case SplitTime:
		if s.Cutoff != "" {
			return fmt.Sprintf("time-ordered on %s: holdout from %s on", s.Column, s.Cutoff)
		}
		return fmt.Sprintf("time-ordered on %s: the latest %.0f%% held out", s.Column, 100*s.HoldoutFraction)
	case SplitRandom:
		return fmt.Sprintf("random, %.0f%% held out", 100*s.HoldoutFraction)
	case SplitGroup:
		return fmt.Sprintf("by %s groups, %.0f%% held out", s.Column, 100*s.HoldoutFraction)
	case SplitColumn:
		return fmt.Sprintf("as column %s says", s.Column)
	}
	return s.Kind
}
