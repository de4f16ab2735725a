package mlmodel

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/ml/frame"
)

// splitFrame is pandas' "split" orientation, which MLflow uses for
// dataframe input examples and /invocations' dataframe_split.
type splitFrame struct {
	Columns []string `json:"columns"`
	Data    [][]any  `json:"data"`
}

// pyFloat is a float that JSON-encodes with a decimal point when it is
// integral ("2.0", not "2"), so that pandas reads a double column back as
// doubles rather than as integers.
type pyFloat float64

func (x pyFloat) MarshalJSON() ([]byte, error) {
	f := float64(x)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return []byte("null"), nil
	}
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if !strings.ContainsAny(s, ".e") {
		s += ".0"
	}
	return []byte(s), nil
}

// exampleFiles returns input_example.json and serving_input_example.json for
// the rows of ex, restricted to the schema's columns in its order.
func exampleFiles(ex *frame.Frame, s frame.Schema) (input, serving []byte, err error) {
	sel, err := ex.Select(s.Names()...)
	if err != nil {
		return nil, nil, fmt.Errorf("input example: %w", err)
	}
	sf := splitFrame{Columns: s.Names(), Data: make([][]any, sel.NumRows())}
	for i := range sf.Data {
		row := make([]any, sel.NumCols())
		for j := range row {
			c := sel.ColumnAt(j)
			switch {
			case c.IsMissing(i):
				row[j] = nil
			case c.Kind() == frame.Float:
				row[j] = pyFloat(c.Float(i))
			case c.Kind() == frame.Time:
				row[j] = c.Text(i)
			default:
				row[j] = c.Value(i)
			}
		}
		sf.Data[i] = row
	}
	if input, err = json.Marshal(sf); err != nil {
		return nil, nil, err
	}
	if serving, err = json.MarshalIndent(map[string]splitFrame{"dataframe_split": sf}, "", "  "); err != nil {
		return nil, nil, err
	}
	return input, serving, nil
}

// InputExample returns the rows of the saved input example with one value
// per input column in the predictor's order, typed as the column kind says:
// nil (missing), float64, int64, string, bool or time.Time. It returns nil
// when the model has no input example.
func (m *Model) InputExample() ([][]any, error) {
	info := m.MLmodel.SavedInputExampleInfo
	if info == nil || info.ArtifactPath == "" {
		return nil, nil
	}
	if info.Type != "dataframe" || (info.PandasOrient != "" && info.PandasOrient != "split") {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "input example of type %q (orient %q) is not a split dataframe", info.Type, info.PandasOrient)
	}
	if !filepath.IsLocal(info.ArtifactPath) {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "input example path %q is outside the model directory", info.ArtifactPath)
	}
	b, err := ReadModelFile(m.Dir, info.ArtifactPath, MaxMetaBytes)
	if err != nil {
		return nil, fmt.Errorf("mlmodel: input example: %w", err)
	}
	return parseExample(b, m.Predictor.InputSchema())
}

func parseExample(b []byte, s frame.Schema) ([][]any, error) {
	var sf struct {
		Columns []string            `json:"columns"`
		Data    [][]json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(b, &sf); err != nil {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "input example is not split-oriented JSON: %s", safeProblem(err))
	}
	pos := make([]int, len(s.Fields)) // example column of each input
	for k, f := range s.Fields {
		pos[k] = -1
		for j, name := range sf.Columns {
			if name == f.Name {
				pos[k] = j
			}
		}
		if pos[k] < 0 {
			return nil, weir.Errorf(weir.ErrInvalidParameterValue, "input example has no column %q", f.Name)
		}
	}
	rows := make([][]any, len(sf.Data))
	for i, raw := range sf.Data {
		if len(raw) != len(sf.Columns) {
			return nil, weir.Errorf(weir.ErrInvalidParameterValue, "input example row %d has %d values for %d columns", i, len(raw), len(sf.Columns))
		}
		row := make([]any, len(s.Fields))
		for k, f := range s.Fields {
			v, err := exampleValue(raw[pos[k]], f.Kind)
			if err != nil {
				return nil, weir.Errorf(weir.ErrInvalidParameterValue, "input example row %d column %q: %v", i, f.Name, err)
			}
			row[k] = v
		}
		rows[i] = row
	}
	return rows, nil
}

// exampleValue decodes one JSON value as a value of kind k.
func exampleValue(raw json.RawMessage, k frame.Kind) (any, error) {
	if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return nil, nil
	}
	var err error
	switch k {
	case frame.Float:
		var x float64
		err = json.Unmarshal(raw, &x)
		return x, err
	case frame.Int:
		var n json.Number
		if err = json.Unmarshal(raw, &n); err != nil {
			return nil, err
		}
		if i, err := n.Int64(); err == nil {
			return i, nil
		}
		// pandas writes an int column with missing values as floats.
		x, err := n.Float64()
		if err != nil || x != math.Trunc(x) || math.Abs(x) > 1<<53 {
			return nil, fmt.Errorf("%s is not an integer", raw)
		}
		return int64(x), nil
	case frame.Categorical:
		var s string
		err = json.Unmarshal(raw, &s)
		return s, err
	case frame.Bool:
		var b bool
		err = json.Unmarshal(raw, &b)
		return b, err
	case frame.Time:
		var s string
		if err = json.Unmarshal(raw, &s); err != nil {
			return nil, err
		}
		return time.Parse(time.RFC3339Nano, s)
	}
	return nil, fmt.Errorf("unsupported kind %v", k)
}
