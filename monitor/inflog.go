package monitor

import (
	"bufio"
	"encoding/json"
	"io"
	"slices"
	"time"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/ml/frame"
)

// Prediction is one scored row: what the scoring server logged for it and,
// once known, the true label.
type Prediction struct {
	RequestID string
	Row       int
	Time      time.Time
	Model     string
	Version   string
	Inputs    map[string]any
	// Score is the model's probability of the positive class.
	Score float64
	// Label is the true outcome (0 or 1) when HasLabel.
	Label    float64
	HasLabel bool
}

// logLine is one line of the scoring server's inference log (serve's
// InferenceLog; docs/serving.md): one scored row per line.
type logLine struct {
	RequestID string         `json:"request_id"`
	Timestamp time.Time      `json:"timestamp"`
	Model     string         `json:"model_name"`
	Version   string         `json:"model_version"`
	Row       int            `json:"row"`
	Inputs    map[string]any `json:"inputs"`
	Outputs   struct {
		Probability *float64 `json:"probability"`
	} `json:"outputs"`
}

// ReadInferenceLog reads an inference log in JSON lines. Blank lines are
// skipped; a malformed line is an error naming its number.
func ReadInferenceLog(r io.Reader) ([]Prediction, error) {
	var out []Prediction
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for n := 1; sc.Scan(); n++ {
		b := sc.Bytes()
		if len(b) == 0 {
			continue
		}
		var l logLine
		if err := json.Unmarshal(b, &l); err != nil {
			return nil, weir.Errorf(weir.ErrInvalidParameterValue, "inference log line %d: %v", n, err)
		}
		if l.Outputs.Probability == nil {
			return nil, weir.Errorf(weir.ErrInvalidParameterValue, "inference log line %d has no outputs.probability", n)
		}
		out = append(out, Prediction{RequestID: l.RequestID, Row: l.Row, Time: l.Timestamp, Model: l.Model,
			Version: l.Version, Inputs: l.Inputs, Score: *l.Outputs.Probability})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// LabelKey identifies one scored row: its request and its row within it.
type LabelKey struct {
	RequestID string
	Row       int
}

// ReadLabels reads ground truth as JSON lines {"request_id", "row", "label"}
// with label 0 or 1 (or false/true); row defaults to 0.
func ReadLabels(r io.Reader) (map[LabelKey]float64, error) {
	out := map[LabelKey]float64{}
	dec := json.NewDecoder(r)
	for n := 1; ; n++ {
		var l struct {
			RequestID string `json:"request_id"`
			Row       int    `json:"row"`
			Label     any    `json:"label"`
		}
		if err := dec.Decode(&l); err == io.EOF {
			return out, nil
		} else if err != nil {
			return nil, weir.Errorf(weir.ErrInvalidParameterValue, "labels record %d: %v", n, err)
		}
		var y float64
		switch v := l.Label.(type) {
		case float64:
			y = v
		case bool:
			if v {
				y = 1
			}
		default:
			return nil, weir.Errorf(weir.ErrInvalidParameterValue, "labels record %d: label %v is not 0, 1, false or true", n, l.Label)
		}
		if y != 0 && y != 1 {
			return nil, weir.Errorf(weir.ErrInvalidParameterValue, "labels record %d: label %v is not 0 or 1", n, y)
		}
		out[LabelKey{l.RequestID, l.Row}] = y
	}
}

// JoinLabels sets Label and HasLabel on every prediction with a label and
// returns how many it labelled.
func JoinLabels(preds []Prediction, labels map[LabelKey]float64) int {
	n := 0
	for i := range preds {
		if y, ok := labels[LabelKey{preds[i].RequestID, preds[i].Row}]; ok {
			preds[i].Label, preds[i].HasLabel = y, true
			n++
		}
	}
	return n
}

// JoinEventTimes replaces the serving time of every prediction that has an
// event time (ReadLabelEventsCSV) with it, so that windows follow when the
// events happened, and returns how many it moved.
func JoinEventTimes(preds []Prediction, times map[LabelKey]time.Time) int {
	n := 0
	for i := range preds {
		if t, ok := times[LabelKey{preds[i].RequestID, preds[i].Row}]; ok {
			preds[i].Time = t
			n++
		}
	}
	return n
}

// InputsFrame builds a frame of the logged inputs, for drift tests against
// the reference: a column whose values are all numbers (or missing) is
// numerical, any other categorical; scores go in column score, when
// scoreColumn is not empty.
func InputsFrame(preds []Prediction, scoreColumn string) (*frame.Frame, error) {
	seen := map[string]bool{}
	var names []string
	for _, p := range preds {
		for k := range p.Inputs {
			if !seen[k] {
				seen[k] = true
				names = append(names, k)
			}
		}
	}
	slices.Sort(names)
	cols := make([]frame.Column, 0, len(names)+1)
	for _, name := range names {
		cols = append(cols, inputColumn(preds, name))
	}
	if scoreColumn != "" {
		s := make([]float64, len(preds))
		for i, p := range preds {
			s[i] = p.Score
		}
		names = append(names, scoreColumn)
		cols = append(cols, &frame.FloatColumn{Values: s})
	}
	return frame.New(names, cols)
}

func inputColumn(preds []Prediction, name string) frame.Column {
	numeric := true
	for _, p := range preds {
		switch p.Inputs[name].(type) {
		case float64, nil:
		default:
			numeric = false
		}
	}
	if numeric {
		v := make([]float64, len(preds))
		for i, p := range preds {
			v[i] = nan
			if x, ok := p.Inputs[name].(float64); ok {
				v[i] = x
			}
		}
		return &frame.FloatColumn{Values: v}
	}
	c := &frame.CategoricalColumn{Codes: make([]int32, len(preds))}
	index := map[string]int32{}
	for i, p := range preds {
		c.Codes[i] = -1
		var s string
		switch x := p.Inputs[name].(type) {
		case nil:
			continue
		case string:
			s = x
		case float64:
			s = frame.FormatFloat(x)
		case bool:
			s = "false"
			if x {
				s = "true"
			}
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
