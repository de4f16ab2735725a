package predictor

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"

	"github.com/weir-ml/weir/ml"
	"github.com/weir-ml/weir/ml/frame"
	"github.com/weir-ml/weir/ml/transform"
)

// Format versions of the JSON form. Load refuses any other version rather
// than guess at its meaning; a change to the meaning of any member bumps
// it. docs/model-format.md describes the form.
const (
	// FormatVersion is the version Save writes for a binary predictor
	// (kept as it was so that caches keyed on the bytes stay valid).
	FormatVersion = 1
	// FormatVersionTasks is the version Save writes for multiclass and
	// regression predictors: it adds task and cost_matrix and drops the
	// threshold.
	FormatVersionTasks = 2
)

// document is the saved form of a binary predictor (version 1). Inputs and
// Features repeat what the preprocessor holds so that a reader (a UI, a
// scoring server in another language) learns the schema without decoding
// transforms; Load checks that the copies agree.
type document struct {
	FormatVersion int             `json:"format_version"`
	Learner       string          `json:"learner"`
	Target        string          `json:"target"`
	Classes       []string        `json:"classes"`
	Threshold     float64         `json:"threshold"`
	Inputs        []frame.Field   `json:"inputs"`
	Features      []string        `json:"features"`
	Preprocessor  json.RawMessage `json:"preprocessor"`
	Model         json.RawMessage `json:"model"`
}

// taskDocument is the saved form of a multiclass or regression predictor
// (version 2).
type taskDocument struct {
	FormatVersion int             `json:"format_version"`
	Task          string          `json:"task"`
	Learner       string          `json:"learner"`
	Target        string          `json:"target"`
	Classes       []string        `json:"classes,omitempty"`
	CostMatrix    [][]float64     `json:"cost_matrix,omitempty"`
	Offset        float64         `json:"offset,omitempty"`
	Inputs        []frame.Field   `json:"inputs"`
	Features      []string        `json:"features"`
	Preprocessor  json.RawMessage `json:"preprocessor"`
	Model         json.RawMessage `json:"model"`
}

// Save writes p as JSON to w. The same fitted predictor always gives the
// same bytes: caches key on them.
func (p *Predictor) Save(w io.Writer) error {
	b, err := p.MarshalJSON()
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// MarshalJSON writes the saved form of p (see Save).
func (p *Predictor) MarshalJSON() ([]byte, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	l, _ := learnerOf(p.task(), p.Model) // validate vetted it
	learner := l.Tag
	pre, err := json.Marshal(p.Preprocessor)
	if err != nil {
		return nil, fmt.Errorf("predictor: encoding preprocessor: %w", err)
	}
	model, err := l.marshal(p.Model)
	if err != nil {
		return nil, fmt.Errorf("predictor: encoding %s: %w", learner, err)
	}
	var doc any
	if task := p.task(); task == ml.TaskBinary {
		doc = document{
			FormatVersion: FormatVersion, Learner: learner, Target: p.Target, Classes: p.Classes,
			Threshold: p.Threshold, Inputs: p.Preprocessor.Inputs, Features: p.Preprocessor.Features,
			Preprocessor: pre, Model: model,
		}
	} else {
		doc = taskDocument{
			FormatVersion: FormatVersionTasks, Task: task, Learner: learner, Target: p.Target,
			Classes: p.Classes, CostMatrix: p.CostMatrix, Offset: p.Offset,
			Inputs: p.Preprocessor.Inputs, Features: p.Preprocessor.Features,
			Preprocessor: pre, Model: model,
		}
	}
	// Without HTML escaping, names such as "<infrequent>" read as written.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("predictor: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// Load reads a predictor that Save wrote and checks it whole, so a damaged
// or hand-edited file fails here rather than when scoring.
func Load(r io.Reader) (*Predictor, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("predictor: %w", err)
	}
	p := &Predictor{}
	if err := p.UnmarshalJSON(b); err != nil {
		return nil, err
	}
	return p, nil
}

// anyDocument holds the members of every version, to check which are
// present.
type anyDocument struct {
	Task         *string         `json:"task"`
	Learner      string          `json:"learner"`
	Target       string          `json:"target"`
	Classes      []string        `json:"classes"`
	Threshold    *float64        `json:"threshold"`
	CostMatrix   [][]float64     `json:"cost_matrix"`
	Offset       *float64        `json:"offset"`
	Inputs       []frame.Field   `json:"inputs"`
	Features     []string        `json:"features"`
	Preprocessor json.RawMessage `json:"preprocessor"`
	Model        json.RawMessage `json:"model"`
}

// UnmarshalJSON reads the saved form (see Load).
func (p *Predictor) UnmarshalJSON(b []byte) error {
	var head struct {
		FormatVersion *int `json:"format_version"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return fmt.Errorf("predictor: not a predictor file: %w", err)
	}
	if head.FormatVersion == nil {
		return fmt.Errorf("predictor: not a predictor file: no format_version")
	}
	v := *head.FormatVersion
	if v != FormatVersion && v != FormatVersionTasks {
		return fmt.Errorf("predictor: format_version %d is not supported (this build reads %d and %d)", v, FormatVersion, FormatVersionTasks)
	}
	var doc anyDocument
	if err := json.Unmarshal(b, &doc); err != nil {
		return fmt.Errorf("predictor: %w", err)
	}
	q := Predictor{Target: doc.Target, Classes: doc.Classes, CostMatrix: doc.CostMatrix}
	if v == FormatVersion {
		if doc.Task != nil || doc.CostMatrix != nil {
			return fmt.Errorf("predictor: format_version 1 is binary and has no task or cost_matrix member")
		}
		q.Task = ml.TaskBinary
		if doc.Threshold != nil {
			q.Threshold = *doc.Threshold
		}
	} else {
		if doc.Task == nil || (*doc.Task != ml.TaskMulticlass && *doc.Task != ml.TaskRegression) {
			return fmt.Errorf("predictor: format_version 2 needs a task of %s or %s", ml.TaskMulticlass, ml.TaskRegression)
		}
		if doc.Threshold != nil {
			return fmt.Errorf("predictor: a %s predictor has no threshold member", *doc.Task)
		}
		q.Task = *doc.Task
		if doc.Offset != nil {
			if q.Task != ml.TaskRegression || math.IsNaN(*doc.Offset) || math.IsInf(*doc.Offset, 0) {
				return fmt.Errorf("predictor: offset must be a finite number, and only a regression predictor has one")
			}
			q.Offset = *doc.Offset
		}
	}
	if q.Task == ml.TaskBinary && len(q.Classes) != 2 {
		return fmt.Errorf("predictor: %d classes, want 2", len(q.Classes))
	}
	pre, err := transform.Load(bytes.NewReader(doc.Preprocessor))
	if err != nil {
		return fmt.Errorf("predictor: %w", err)
	}
	if !slices.Equal(pre.Inputs, doc.Inputs) || !slices.Equal(pre.Features, doc.Features) {
		return fmt.Errorf("predictor: inputs or features differ from the preprocessor's")
	}
	q.Preprocessor = pre
	if q.Model, err = unmarshalModel(q.Task, doc.Learner, doc.Model); err != nil {
		return err
	}
	*p = Predictor{Task: q.Task, Preprocessor: q.Preprocessor, Model: q.Model, Target: q.Target,
		Classes: q.Classes, Threshold: q.Threshold, CostMatrix: q.CostMatrix, Offset: q.Offset}
	return p.Check()
}

func unmarshalModel(task, tag string, raw json.RawMessage) (any, error) {
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil, fmt.Errorf("predictor: no model")
	}
	l, err := learnerByTag(task, tag)
	if err != nil {
		return nil, err
	}
	m := l.New()
	if err := json.Unmarshal(raw, m); err != nil {
		return nil, fmt.Errorf("predictor: %s: %w", tag, err)
	}
	return m, nil
}
