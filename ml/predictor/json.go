package predictor

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"

	"github.com/weir-ml/weir/ml"
	"github.com/weir-ml/weir/ml/frame"
	"github.com/weir-ml/weir/ml/gbdt"
	"github.com/weir-ml/weir/ml/linear"
	"github.com/weir-ml/weir/ml/transform"
	"github.com/weir-ml/weir/ml/tree"
)

// FormatVersion is the version of the JSON form Save writes. Load refuses
// any other version rather than guess at its meaning; a change to the
// meaning of any member bumps it. docs/model-format.md describes the form.
const FormatVersion = 1

// document is the saved form. Inputs and Features repeat what the
// preprocessor holds so that a reader (a UI, a scoring server in another
// language) learns the schema without decoding transforms; Load checks that
// the copies agree.
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
	learner, _ := p.LearnerType() // validate vetted it
	pre, err := json.Marshal(p.Preprocessor)
	if err != nil {
		return nil, fmt.Errorf("predictor: encoding preprocessor: %w", err)
	}
	model, err := marshalModel(p.Model)
	if err != nil {
		return nil, fmt.Errorf("predictor: encoding %s: %w", learner, err)
	}
	// Without HTML escaping, names such as "<infrequent>" read as written.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	err = enc.Encode(document{
		FormatVersion: FormatVersion, Learner: learner, Target: p.Target, Classes: p.Classes[:],
		Threshold: p.Threshold, Inputs: p.Preprocessor.Inputs, Features: p.Preprocessor.Features,
		Preprocessor: pre, Model: model,
	})
	if err != nil {
		return nil, fmt.Errorf("predictor: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

func marshalModel(m ml.Classifier) ([]byte, error) {
	if g, ok := m.(*gbdt.Model); ok { // gbdt saves through a writer
		var buf bytes.Buffer
		if err := g.Save(&buf); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	}
	return json.Marshal(m)
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
	if *head.FormatVersion != FormatVersion {
		return fmt.Errorf("predictor: format_version %d is not supported (this build reads %d)", *head.FormatVersion, FormatVersion)
	}
	var doc document
	if err := json.Unmarshal(b, &doc); err != nil {
		return fmt.Errorf("predictor: %w", err)
	}
	if len(doc.Classes) != 2 {
		return fmt.Errorf("predictor: %d classes, want 2", len(doc.Classes))
	}
	pre, err := transform.Load(bytes.NewReader(doc.Preprocessor))
	if err != nil {
		return fmt.Errorf("predictor: %w", err)
	}
	if !slices.Equal(pre.Inputs, doc.Inputs) || !slices.Equal(pre.Features, doc.Features) {
		return fmt.Errorf("predictor: inputs or features differ from the preprocessor's")
	}
	model, err := unmarshalModel(doc.Learner, doc.Model)
	if err != nil {
		return err
	}
	*p = Predictor{Preprocessor: pre, Model: model, Target: doc.Target,
		Classes: [2]string{doc.Classes[0], doc.Classes[1]}, Threshold: doc.Threshold}
	return p.Check()
}

func unmarshalModel(learner string, raw json.RawMessage) (ml.Classifier, error) {
	if len(raw) == 0 {
		return nil, fmt.Errorf("predictor: no model")
	}
	var m ml.Classifier
	var err error
	switch learner {
	case LogisticRegression:
		lr := &linear.LogisticRegression{}
		m, err = lr, json.Unmarshal(raw, lr)
	case RandomForest:
		rf := &tree.RandomForestClassifier{}
		m, err = rf, json.Unmarshal(raw, rf)
	case GBDT:
		g := &gbdt.Model{}
		m, err = g, g.Load(bytes.NewReader(raw))
	default:
		return nil, fmt.Errorf("predictor: unknown learner %q (want %s, %s or %s)", learner, LogisticRegression, RandomForest, GBDT)
	}
	if err != nil {
		return nil, fmt.Errorf("predictor: %s: %w", learner, err)
	}
	return m, nil
}
