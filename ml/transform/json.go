package transform

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"

	"github.com/weir-ml/weir/ml/frame"
)

// FormatVersion is the version of the JSON form that MarshalJSON writes and
// UnmarshalJSON reads. Any change to the meaning of a field bumps it.
const FormatVersion = 1

// The JSON form of a Preprocessor:
//
//	{
//	  "format_version": 1,
//	  "inputs":   [{"name": "age", "kind": "int"}, ...],   // fitted only
//	  "derived":  [{"type": "flag", "name": ..., ...}, ...],
//	  "steps":    [{"name": ..., "columns": [...],
//	                "transforms": [{"type": "imputer", ...}, ...]}, ...],
//	  "features": ["age", "job=admin.", ...]                // fitted only
//	}
//
// Each transform or derivation object holds a "type" (the value of its Type
// method) and the fields of its Go type, named by their json tags.
type document struct {
	FormatVersion int               `json:"format_version"`
	Inputs        []frame.Field     `json:"inputs,omitempty"`
	Derived       []json.RawMessage `json:"derived"`
	Steps         []stepDocument    `json:"steps"`
	Features      []string          `json:"features,omitempty"`
}

type stepDocument struct {
	Name       string            `json:"name,omitempty"`
	Columns    []string          `json:"columns"`
	Transforms []json.RawMessage `json:"transforms"`
}

var transformTypes = map[string]func() Transformer{
	"imputer":         func() Transformer { return &Imputer{} },
	"standard_scaler": func() Transformer { return &StandardScaler{} },
	"robust_scaler":   func() Transformer { return &RobustScaler{} },
	"quantile_bins":   func() Transformer { return &QuantileBins{} },
	"one_hot":         func() Transformer { return &OneHot{} },
	"ordinal":         func() Transformer { return &Ordinal{} },
	"target_encoder":  func() Transformer { return &TargetEncoder{} },
}

var derivationTypes = map[string]func() Derivation{
	"ratio":            func() Derivation { return &Ratio{} },
	"flag":             func() Derivation { return &Flag{} },
	"replace_with_nan": func() Derivation { return &ReplaceWithNaN{} },
}

// MarshalJSON writes the configuration and, when fitted, the fitted state.
func (p *Preprocessor) MarshalJSON() ([]byte, error) {
	doc := document{FormatVersion: FormatVersion, Derived: []json.RawMessage{}, Steps: []stepDocument{}}
	if p.plan != nil {
		doc.Inputs, doc.Features = p.Inputs, p.Features
	}
	for _, d := range p.Derived {
		b, err := typed(d.Type(), d)
		if err != nil {
			return nil, err
		}
		doc.Derived = append(doc.Derived, b)
	}
	for _, st := range p.Steps {
		sd := stepDocument{Name: st.Name, Columns: st.Columns, Transforms: []json.RawMessage{}}
		for _, t := range st.Transforms {
			b, err := typed(t.Type(), t)
			if err != nil {
				return nil, err
			}
			sd.Transforms = append(sd.Transforms, b)
		}
		doc.Steps = append(doc.Steps, sd)
	}
	return json.Marshal(doc)
}

// typed encodes v as a JSON object whose first member is "type": typ.
func typed(typ string, v any) (json.RawMessage, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("transform: encoding %s: %w", typ, err)
	}
	head := `{"type":` + strconv.Quote(typ)
	if bytes.Equal(b, []byte("{}")) {
		return json.RawMessage(head + "}"), nil
	}
	return append([]byte(head+","), b[1:]...), nil
}

// UnmarshalJSON reads what MarshalJSON writes. A fitted document is checked
// for consistency (state sizes, feature names) so that a damaged file fails
// here rather than at scoring time.
func (p *Preprocessor) UnmarshalJSON(b []byte) error {
	var doc document
	if err := json.Unmarshal(b, &doc); err != nil {
		return fmt.Errorf("transform: reading preprocessor: %w", err)
	}
	if doc.FormatVersion != FormatVersion {
		return fmt.Errorf("transform: preprocessor format_version %d is not supported (this build reads %d)", doc.FormatVersion, FormatVersion)
	}
	out := Preprocessor{}
	for k, raw := range doc.Derived {
		d, err := decodeTyped(raw, derivationTypes)
		if err != nil {
			return fmt.Errorf("transform: derivation %d: %w", k+1, err)
		}
		out.Derived = append(out.Derived, d)
	}
	for k, sd := range doc.Steps {
		st := Step{Name: sd.Name, Columns: sd.Columns}
		for m, raw := range sd.Transforms {
			t, err := decodeTyped(raw, transformTypes)
			if err != nil {
				return fmt.Errorf("transform: step %d transform %d: %w", k+1, m+1, err)
			}
			st.Transforms = append(st.Transforms, t)
		}
		out.Steps = append(out.Steps, st)
	}
	if doc.Inputs != nil || doc.Features != nil {
		pl, err := out.compile(doc.Inputs, true)
		if err != nil {
			return fmt.Errorf("transform: fitted preprocessor: %w", err)
		}
		if !slices.Equal(pl.names, doc.Features) {
			return fmt.Errorf("transform: fitted preprocessor lists %d features but its transforms produce %d (%v)", len(doc.Features), len(pl.names), pl.names)
		}
		out.plan, out.Inputs, out.Features = pl, doc.Inputs, doc.Features
	}
	p.Derived, p.Steps, p.Inputs, p.Features, p.plan = out.Derived, out.Steps, out.Inputs, out.Features, out.plan
	return nil
}

func decodeTyped[T any](raw json.RawMessage, types map[string]func() T) (T, error) {
	var zero T
	var head struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return zero, err
	}
	mk, ok := types[head.Type]
	if !ok {
		return zero, fmt.Errorf("unknown type %q", head.Type)
	}
	v := mk()
	if err := json.Unmarshal(raw, v); err != nil {
		return zero, fmt.Errorf("%s: %w", head.Type, err)
	}
	return v, nil
}

// Save writes p as JSON to w.
func (p *Preprocessor) Save(w io.Writer) error {
	b, err := json.MarshalIndent(p, "", " ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// Load reads a Preprocessor that Save wrote.
func Load(r io.Reader) (*Preprocessor, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	p := &Preprocessor{}
	if err := p.UnmarshalJSON(b); err != nil {
		return nil, err
	}
	return p, nil
}
