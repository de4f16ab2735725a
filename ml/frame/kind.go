// Package frame holds typed, column-oriented data frames with missing values
// and a streaming CSV reader that builds them. It imports only the standard
// library: the learners, transforms, pipeline engine and scoring server all
// read data through it.
package frame

import (
	"fmt"
	"strings"
)

// Kind is the type of a column.
type Kind int

// The column kinds. The zero Kind is invalid so that a forgotten field is
// caught rather than silently read as float.
const (
	Float       Kind = iota + 1 // float64; NaN is missing
	Int                         // int64 with a missing mask
	Categorical                 // dictionary-encoded strings: codes and levels
	Bool                        // bool with a missing mask
	Time                        // time.Time with a missing mask
)

var kindNames = map[Kind]string{
	Float:       "float",
	Int:         "int",
	Categorical: "categorical",
	Bool:        "bool",
	Time:        "time",
}

// String returns the kind's name as ParseKind reads it.
func (k Kind) String() string {
	if s, ok := kindNames[k]; ok {
		return s
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Numeric reports whether values of kind k have a natural float64 form that
// learners can use directly (float, int, bool and time as Unix seconds).
func (k Kind) Numeric() bool { return k == Float || k == Int || k == Bool || k == Time }

// ParseKind returns the Kind named s ("float", "int", "categorical", "bool",
// "time"; "string" is accepted for categorical).
func ParseKind(s string) (Kind, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "float", "float64", "double":
		return Float, nil
	case "int", "int64", "integer":
		return Int, nil
	case "categorical", "category", "string", "str":
		return Categorical, nil
	case "bool", "boolean":
		return Bool, nil
	case "time", "datetime", "timestamp":
		return Time, nil
	}
	return 0, fmt.Errorf("unknown column kind %q (want float, int, categorical, bool or time)", s)
}

// MarshalText writes the kind's name, so kinds read well in JSON.
func (k Kind) MarshalText() ([]byte, error) {
	if _, ok := kindNames[k]; !ok {
		return nil, fmt.Errorf("invalid column kind %d", int(k))
	}
	return []byte(k.String()), nil
}

// UnmarshalText parses a kind name written by MarshalText.
func (k *Kind) UnmarshalText(b []byte) error {
	v, err := ParseKind(string(b))
	if err != nil {
		return err
	}
	*k = v
	return nil
}

// Field names and types one column.
type Field struct {
	Name string `json:"name"`
	Kind Kind   `json:"kind"`
}

// Schema lists a frame's columns in order.
type Schema struct {
	Fields []Field `json:"fields"`
}

// Names returns the column names in order.
func (s Schema) Names() []string {
	out := make([]string, len(s.Fields))
	for i, f := range s.Fields {
		out[i] = f.Name
	}
	return out
}

// Index returns the position of the column named name, or -1.
func (s Schema) Index(name string) int {
	for i, f := range s.Fields {
		if f.Name == name {
			return i
		}
	}
	return -1
}

// String renders the schema as "name:kind, ...", for messages and logs.
func (s Schema) String() string {
	parts := make([]string, len(s.Fields))
	for i, f := range s.Fields {
		parts[i] = f.Name + ":" + f.Kind.String()
	}
	return strings.Join(parts, ", ")
}
