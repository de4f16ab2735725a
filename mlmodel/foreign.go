package mlmodel

import (
	"bytes"
	"fmt"
	"path/filepath"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/ml/frame"
)

// ReadMLmodel reads the MLmodel file of the model directory dir, whatever
// library saved it.
func ReadMLmodel(dir string) (*File, error) { return readFile(dir) }

// ReadInputExample returns the rows of the input example saved in dir by
// any MLflow flavor, one value per input in the order inputs lists them and
// typed by their kinds (see Model.InputExample). It returns nil when f
// records no input example, or one that is not a split-oriented dataframe
// (MLflow also saves tensors and plain lists, which a table scorer cannot
// take row by row).
func ReadInputExample(dir string, f *File, inputs []Input) ([][]any, error) {
	info := f.SavedInputExampleInfo
	if info == nil || info.ArtifactPath == "" || info.Type != "dataframe" || (info.PandasOrient != "" && info.PandasOrient != "split") {
		return nil, nil
	}
	if !filepath.IsLocal(info.ArtifactPath) {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "input example path %q is outside the model directory", info.ArtifactPath)
	}
	b, err := ReadModelFile(dir, info.ArtifactPath, MaxMetaBytes)
	if err != nil {
		return nil, fmt.Errorf("mlmodel: input example: %w", err)
	}
	s := frame.Schema{Fields: make([]frame.Field, len(inputs))}
	for i, in := range inputs {
		s.Fields[i] = frame.Field{Name: in.Name, Kind: in.Kind}
	}
	return parseExample(pythonJSON(b), s)
}

// pythonJSON rewrites the non-standard numbers Python's json module writes
// (NaN, Infinity, -Infinity) outside strings as null, the missing value
// they stand for in an input example.
func pythonJSON(b []byte) []byte {
	out := make([]byte, 0, len(b))
	inString := false
	for i := 0; i < len(b); i++ {
		c := b[i]
		if inString {
			out = append(out, c)
			switch c {
			case '\\':
				if i+1 < len(b) {
					i++
					out = append(out, b[i])
				}
			case '"':
				inString = false
			}
			continue
		}
		switch {
		case c == '"':
			inString = true
		case bytes.HasPrefix(b[i:], []byte("NaN")):
			out, i = append(out, "null"...), i+2
			continue
		case bytes.HasPrefix(b[i:], []byte("-Infinity")):
			out, i = append(out, "null"...), i+8
			continue
		case bytes.HasPrefix(b[i:], []byte("Infinity")):
			out, i = append(out, "null"...), i+7
			continue
		}
		out = append(out, c)
	}
	return out
}
