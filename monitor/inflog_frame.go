package monitor

import (
	"bufio"
	"encoding/json"
	"io"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/ml/frame"
)

// Column names of an inference log as a table (InferenceLogFrame): the
// fixed fields, then one column per input ("inputs.NAME") and per output
// ("outputs.NAME").
const (
	colRequestID = "request_id"
	colTimestamp = "timestamp"
	colModel     = "model_name"
	colVersion   = "model_version"
	colRow       = "row"
	colImputed   = "imputed"
	colUnknown   = "unknown_categories"
	inputPrefix  = "inputs."
	outputPrefix = "outputs."
)

// InferenceLogFrame reads inference-log lines (serve's InferenceLog) into
// a table, one row per line, so that a log segment can be stored as
// Parquet: request_id, timestamp (time), model_name, model_version, row
// (int), imputed and unknown_categories (JSON lists, when any line has
// them), then inputs.NAME and outputs.NAME in name order. A column whose
// values are all numbers is float, all booleans bool, anything else
// categorical (lists and objects as JSON text); a field a line lacks is
// missing.
func InferenceLogFrame(r io.Reader) (*frame.Frame, error) {
	type line struct {
		RequestID string          `json:"request_id"`
		Timestamp time.Time       `json:"timestamp"`
		Model     string          `json:"model_name"`
		Version   string          `json:"model_version"`
		Row       int64           `json:"row"`
		Inputs    map[string]any  `json:"inputs"`
		Outputs   map[string]any  `json:"outputs"`
		Imputed   json.RawMessage `json:"imputed"`
		Unknown   json.RawMessage `json:"unknown_categories"`
	}
	var lines []line
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for n := 1; sc.Scan(); n++ {
		if len(sc.Bytes()) == 0 {
			continue
		}
		var l line
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			return nil, weir.Errorf(weir.ErrInvalidParameterValue, "inference log line %d: %v", n, err)
		}
		lines = append(lines, l)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	n := len(lines)
	ids, models, versions := make([]any, n), make([]any, n), make([]any, n)
	imputed, unknown := make([]any, n), make([]any, n)
	ts := &frame.TimeColumn{Values: make([]time.Time, n)}
	rows := &frame.IntColumn{Values: make([]int64, n)}
	inputs, outputs := map[string][]any{}, map[string][]any{}
	put := func(m map[string][]any, k string, i int, v any) {
		if m[k] == nil {
			m[k] = make([]any, n)
		}
		m[k][i] = v
	}
	anyLists := false
	for i, l := range lines {
		ids[i], models[i], versions[i] = l.RequestID, l.Model, l.Version
		ts.Values[i], rows.Values[i] = l.Timestamp, l.Row
		if len(l.Imputed) > 0 && string(l.Imputed) != "null" {
			imputed[i], anyLists = string(l.Imputed), true
		}
		if len(l.Unknown) > 0 && string(l.Unknown) != "null" {
			unknown[i], anyLists = string(l.Unknown), true
		}
		for k, v := range l.Inputs {
			put(inputs, k, i, v)
		}
		for k, v := range l.Outputs {
			put(outputs, k, i, v)
		}
	}
	names := []string{colRequestID, colTimestamp, colModel, colVersion, colRow}
	cols := []frame.Column{anyColumn(ids), ts, anyColumn(models), anyColumn(versions), rows}
	if anyLists {
		names = append(names, colImputed, colUnknown)
		cols = append(cols, anyColumn(imputed), anyColumn(unknown))
	}
	for _, group := range []struct {
		prefix string
		m      map[string][]any
	}{{inputPrefix, inputs}, {outputPrefix, outputs}} {
		keys := make([]string, 0, len(group.m))
		for k := range group.m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			names = append(names, group.prefix+k)
			cols = append(cols, anyColumn(group.m[k]))
		}
	}
	return frame.New(names, cols)
}

// anyColumn types decoded JSON values: float when all are numbers, bool
// when all are booleans, else categorical; nil is missing.
func anyColumn(vals []any) frame.Column {
	numbers, bools := true, true
	for _, v := range vals {
		switch v.(type) {
		case nil:
		case float64:
			bools = false
		case bool:
			numbers = false
		default:
			numbers, bools = false, false
		}
	}
	switch {
	case numbers:
		c := &frame.FloatColumn{Values: make([]float64, len(vals))}
		for i, v := range vals {
			c.Values[i] = math.NaN()
			if x, ok := v.(float64); ok {
				c.Values[i] = x
			}
		}
		return c
	case bools:
		c := &frame.BoolColumn{Values: make([]bool, len(vals)), Missing: make([]bool, len(vals))}
		for i, v := range vals {
			x, ok := v.(bool)
			c.Values[i], c.Missing[i] = x, !ok
		}
		return c
	}
	c := &frame.CategoricalColumn{Codes: make([]int32, len(vals))}
	index := map[string]int32{}
	for i, v := range vals {
		c.Codes[i] = -1
		var s string
		switch x := v.(type) {
		case nil:
			continue
		case string:
			s = x
		case float64:
			s = frame.FormatFloat(x)
		default:
			b, _ := json.Marshal(x)
			s = string(b)
		}
		code, ok := index[s]
		if !ok {
			code = int32(len(c.Levels))
			index[s] = code
			c.Levels = append(c.Levels, s)
		}
		c.Codes[i] = code
	}
	return c
}

// PredictionsFromFrame reads an inference log stored as a table (see
// InferenceLogFrame) back into predictions, as ReadInferenceLog reads the
// JSON lines: inputs as float64, string or bool (ints and times as their
// JSON forms would decode), the score from outputs.probability.
func PredictionsFromFrame(f *frame.Frame) ([]Prediction, error) {
	col := func(name string) (frame.Column, error) {
		c, err := f.Column(name)
		if err != nil {
			return nil, weir.Errorf(weir.ErrInvalidParameterValue, "inference log table has no %s column", name)
		}
		return c, nil
	}
	var fixed [5]frame.Column
	for k, name := range []string{colRequestID, colTimestamp, colModel, colVersion, colRow} {
		c, err := col(name)
		if err != nil {
			return nil, err
		}
		fixed[k] = c
	}
	proba, err := col(outputPrefix + "probability")
	if err != nil {
		return nil, err
	}
	ts, ok := fixed[1].(*frame.TimeColumn)
	if !ok {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "inference log table: timestamp is %s, want time", fixed[1].Kind())
	}
	var inNames []string
	var inCols []frame.Column
	for j, name := range f.Names() {
		if k, ok := strings.CutPrefix(name, inputPrefix); ok {
			inNames, inCols = append(inNames, k), append(inCols, f.ColumnAt(j))
		}
	}
	out := make([]Prediction, f.NumRows())
	for i := range out {
		if proba.IsMissing(i) || math.IsNaN(proba.Float(i)) {
			return nil, weir.Errorf(weir.ErrInvalidParameterValue, "inference log table row %d has no outputs.probability", i+1)
		}
		p := Prediction{RequestID: fixed[0].Text(i), Model: fixed[2].Text(i), Version: fixed[3].Text(i),
			Row: int(fixed[4].Float(i)), Score: proba.Float(i), Inputs: make(map[string]any, len(inNames))}
		if !ts.IsMissing(i) {
			p.Time = ts.Values[i]
		}
		for k, c := range inCols {
			p.Inputs[inNames[k]] = jsonValue(c, i)
		}
		out[i] = p
	}
	return out, nil
}

// jsonValue is row i of c as encoding/json would have decoded its JSON
// form: numbers as float64, times as RFC 3339 text, nil when missing.
func jsonValue(c frame.Column, i int) any {
	if c.IsMissing(i) {
		return nil
	}
	switch c := c.(type) {
	case *frame.FloatColumn, *frame.IntColumn:
		return c.Float(i)
	case *frame.BoolColumn:
		return c.Values[i]
	case *frame.TimeColumn:
		return c.Values[i].UTC().Format(time.RFC3339Nano)
	}
	return c.Text(i)
}
