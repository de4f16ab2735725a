package mlmodel

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/ml"
	"github.com/weir-ml/weir/ml/frame"
	"github.com/weir-ml/weir/ml/predictor"
)

// MLflow column types used in signatures.
const (
	TypeBoolean  = "boolean"
	TypeInteger  = "integer" // int32
	TypeLong     = "long"    // int64
	TypeFloat    = "float"   // float32
	TypeDouble   = "double"
	TypeString   = "string"
	TypeBinary   = "binary"
	TypeDatetime = "datetime"
	// TypeArray is MLflow's array type; Column.Items gives the element
	// type.
	TypeArray = "array"
)

// Column is one column spec of a signature schema, as MLflow writes it:
// {"type": "long", "name": "age", "required": true}, or for an array
// {"type": "array", "items": {"type": "double"}, "name": "probabilities",
// "required": true}.
type Column struct {
	Type     string `json:"type"`
	Name     string `json:"name,omitempty"`
	Required bool   `json:"required"`
	// Items is the element type of an array column (Type TypeArray); only
	// its Type (and its own Items) are used.
	Items *Column `json:"items,omitempty"`
}

// Signature is a model's input and output schemas.
type Signature struct {
	Inputs  []Column
	Outputs []Column
}

// Output column names of Weir predictors: a binary classifier gives the
// positive-class probability and the decided label, a multiclass one the
// K class probabilities (an array) and the label, a regressor its
// prediction.
const (
	OutputProbability   = "probability"
	OutputProbabilities = "probabilities"
	OutputLabel         = "label"
	OutputPrediction    = "prediction"
)

// kindTypes maps a frame kind to its MLflow column type.
var kindTypes = map[frame.Kind]string{
	frame.Float:       TypeDouble,
	frame.Int:         TypeLong,
	frame.Categorical: TypeString,
	frame.Bool:        TypeBoolean,
	frame.Time:        TypeDatetime,
}

// SignatureOf returns the signature of a binary predictor with the given
// input schema: one required column per input, and the probability and
// label outputs.
func SignatureOf(s frame.Schema) (Signature, error) {
	return signatureOf(s, ml.TaskBinary)
}

// SignatureFor returns the signature of p: one required column per input,
// and the outputs of p's task (see Outputs).
func SignatureFor(p *predictor.Predictor) (Signature, error) {
	return signatureOf(p.InputSchema(), p.Task)
}

// Outputs returns the output columns of a Weir predictor of the given
// task, in the order of the members of its answer records: probability and
// label (binary), probabilities (an array of doubles) and label
// (multiclass), prediction (regression).
func Outputs(task string) []Column {
	switch task {
	case ml.TaskMulticlass:
		return []Column{
			{Type: TypeArray, Items: &Column{Type: TypeDouble}, Name: OutputProbabilities, Required: true},
			{Type: TypeString, Name: OutputLabel, Required: true},
		}
	case ml.TaskRegression:
		return []Column{{Type: TypeDouble, Name: OutputPrediction, Required: true}}
	}
	return []Column{
		{Type: TypeDouble, Name: OutputProbability, Required: true},
		{Type: TypeString, Name: OutputLabel, Required: true},
	}
}

func signatureOf(s frame.Schema, task string) (Signature, error) {
	sig := Signature{Inputs: make([]Column, len(s.Fields)), Outputs: Outputs(task)}
	for i, f := range s.Fields {
		t, ok := kindTypes[f.Kind]
		if !ok {
			return Signature{}, fmt.Errorf("mlmodel: column %q has kind %v, which no MLflow type matches", f.Name, f.Kind)
		}
		sig.Inputs[i] = Column{Type: t, Name: f.Name, Required: true}
	}
	return sig, nil
}

// Kind returns the frame kind that reads values of an MLflow column type.
func Kind(mlflowType string) (frame.Kind, error) {
	switch mlflowType {
	case TypeDouble, TypeFloat:
		return frame.Float, nil
	case TypeLong, TypeInteger:
		return frame.Int, nil
	case TypeString:
		return frame.Categorical, nil
	case TypeBoolean:
		return frame.Bool, nil
	case TypeDatetime:
		return frame.Time, nil
	}
	return 0, fmt.Errorf("MLflow type %q has no Weir column kind", mlflowType)
}

// Schema returns the input schema the signature describes.
func (s Signature) Schema() (frame.Schema, error) {
	out := frame.Schema{Fields: make([]frame.Field, len(s.Inputs))}
	for i, c := range s.Inputs {
		if c.Name == "" {
			return frame.Schema{}, fmt.Errorf("signature input %d has no name", i)
		}
		k, err := Kind(c.Type)
		if err != nil {
			return frame.Schema{}, fmt.Errorf("signature input %q: %w", c.Name, err)
		}
		out.Fields[i] = frame.Field{Name: c.Name, Kind: k}
	}
	return out, nil
}

// fileSignature encodes s as MLmodel stores it.
func (s Signature) fileSignature() *FileSignature {
	return &FileSignature{Inputs: columnsJSON(s.Inputs), Outputs: columnsJSON(s.Outputs)}
}

// columnsJSON writes column specs with the separators of Python's
// json.dumps, as MLflow does, so that our MLmodel files read (and diff)
// like Python's.
func columnsJSON(cols []Column) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, c := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		writeType(&b, c)
		if c.Name != "" {
			b.WriteString(`, "name": `)
			b.WriteString(quoteJSON(c.Name))
		}
		b.WriteString(`, "required": `)
		b.WriteString(strconv.FormatBool(c.Required))
		b.WriteByte('}')
	}
	b.WriteByte(']')
	return b.String()
}

// writeType writes the opening of a column spec: {"type": ..., and an
// array's "items": {...}, as MLflow's to_dict orders them.
func writeType(b *strings.Builder, c Column) {
	b.WriteString(`{"type": `)
	b.WriteString(quoteJSON(c.Type))
	if c.Items != nil {
		b.WriteString(`, "items": `)
		writeType(b, *c.Items)
		b.WriteByte('}')
	}
}

func quoteJSON(s string) string {
	b, _ := json.Marshal(s) // a string always encodes
	return string(b)
}

// parseSignature decodes the JSON strings of an MLmodel signature.
func parseSignature(fs *FileSignature) (Signature, error) {
	var s Signature
	if fs == nil {
		return s, weir.Errorf(weir.ErrInvalidParameterValue, "MLmodel has no signature")
	}
	if err := json.Unmarshal([]byte(fs.Inputs), &s.Inputs); err != nil {
		return s, weir.Errorf(weir.ErrInvalidParameterValue, "MLmodel signature inputs are not a JSON column list: %v", err)
	}
	if fs.Outputs != "" {
		if err := json.Unmarshal([]byte(fs.Outputs), &s.Outputs); err != nil {
			return s, weir.Errorf(weir.ErrInvalidParameterValue, "MLmodel signature outputs are not a JSON column list: %v", err)
		}
	}
	return s, nil
}

// checkInputs reports whether the signature's inputs name the schema's
// columns in order, with types of the same family: a signature may widen
// long to double (MLflow's advice for integer columns with missing values),
// but a string column must stay a string.
func (s Signature) checkInputs(want frame.Schema) error {
	got, err := s.Schema()
	if err != nil {
		return weir.Errorf(weir.ErrInvalidParameterValue, "MLmodel %v", err)
	}
	if len(got.Fields) != len(want.Fields) {
		return weir.Errorf(weir.ErrInvalidParameterValue, "MLmodel signature has %d inputs but the predictor reads %d (%s)", len(got.Fields), len(want.Fields), want)
	}
	for i, g := range got.Fields {
		w := want.Fields[i]
		if g.Name != w.Name {
			return weir.Errorf(weir.ErrInvalidParameterValue, "MLmodel signature input %d is %q but the predictor reads %q there", i+1, g.Name, w.Name)
		}
		if (g.Kind == frame.Categorical) != (w.Kind == frame.Categorical) {
			return weir.Errorf(weir.ErrInvalidParameterValue, "MLmodel signature gives input %q type %s but the predictor reads it as %s", g.Name, s.Inputs[i].Type, w.Kind)
		}
	}
	return nil
}

// ParseSignature decodes the signature of an MLmodel file written by any
// MLflow flavor. It is an error when the file has none.
func (f *File) ParseSignature() (Signature, error) { return parseSignature(f.Signature) }

// checkOutputs reports whether the signature's outputs, when it has any,
// name the outputs of a predictor of the given task, in order.
func (s Signature) checkOutputs(task string) error {
	if len(s.Outputs) == 0 {
		return nil
	}
	want := Outputs(task)
	names := func(cols []Column) string {
		n := make([]string, len(cols))
		for i, c := range cols {
			n[i] = c.Name
		}
		return strings.Join(n, ", ")
	}
	if got, want := names(s.Outputs), names(want); got != want {
		return weir.Errorf(weir.ErrInvalidParameterValue, "MLmodel signature outputs are %s but a %s predictor gives %s", got, task, want)
	}
	return nil
}
