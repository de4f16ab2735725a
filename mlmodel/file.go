package mlmodel

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/weir-ml/weir"
)

// File is the content of an MLmodel file. Fields are declared in the
// alphabetical order MLflow's YAML dumper writes keys in, so our files read
// like Python's. Keys that Weir does not use are kept in Extra and written
// back, so reading and rewriting a file written elsewhere loses nothing.
type File struct {
	ArtifactPath string                    `yaml:"artifact_path,omitempty"`
	Flavors      map[string]map[string]any `yaml:"flavors"`
	// Metadata is the user's free-form metadata.
	Metadata       map[string]any `yaml:"metadata,omitempty"`
	MLflowVersion  string         `yaml:"mlflow_version,omitempty"`
	ModelID        string         `yaml:"model_id,omitempty"`
	ModelSizeBytes int64          `yaml:"model_size_bytes,omitempty"`
	ModelUUID      string         `yaml:"model_uuid,omitempty"`
	RunID          string         `yaml:"run_id,omitempty"`
	// SavedInputExampleInfo describes the saved input example, if any.
	SavedInputExampleInfo *ExampleInfo `yaml:"saved_input_example_info,omitempty"`
	// Signature holds the input and output schemas as JSON strings.
	Signature *FileSignature `yaml:"signature,omitempty"`
	// UTCTimeCreated is a naive UTC time such as "2026-04-29 12:34:56.123456".
	UTCTimeCreated string `yaml:"utc_time_created,omitempty"`
	// Extra holds every other key of a file read by ParseFile.
	Extra map[string]any `yaml:",inline"`
}

// ExampleInfo is MLflow's saved_input_example_info.
type ExampleInfo struct {
	ArtifactPath     string `yaml:"artifact_path"`
	PandasOrient     string `yaml:"pandas_orient,omitempty"`
	ServingInputPath string `yaml:"serving_input_path,omitempty"`
	Type             string `yaml:"type"`
}

// FileSignature is the signature as MLmodel stores it: each schema a
// JSON-encoded string, not nested YAML.
type FileSignature struct {
	Inputs  string  `yaml:"inputs"`
	Outputs string  `yaml:"outputs,omitempty"`
	Params  *string `yaml:"params"` // written as null when absent, as MLflow does
}

// Flavor is the weir entry of the flavors map.
type Flavor struct {
	FormatVersion int
	Predictor     string // file name of the predictor, relative to the directory
	WeirVersion   string
}

// ParseFile reads MLmodel YAML.
func ParseFile(b []byte) (*File, error) {
	var f File
	if err := yaml.Unmarshal(b, &f); err != nil {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "MLmodel is not valid YAML: %s", safeProblem(err))
	}
	return &f, nil
}

// Marshal writes the file as YAML with two-space indentation, as MLflow does.
func (f *File) Marshal() ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(f); err != nil {
		return nil, fmt.Errorf("mlmodel: encoding MLmodel: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// readFile reads dir/MLmodel.
func readFile(dir string) (*File, error) {
	b, err := ReadModelFile(dir, MLmodelFile, MaxMetaBytes)
	if errors.Is(err, fs.ErrNotExist) {
		if _, serr := os.Stat(dir); serr != nil {
			return nil, weir.Errorf(weir.ErrResourceDoesNotExist, "model directory %s does not exist", dir)
		}
		return nil, weir.Errorf(weir.ErrResourceDoesNotExist, "%s has no MLmodel file: not an MLflow model directory", dir)
	}
	if err != nil {
		return nil, err
	}
	return ParseFile(b)
}

// WeirFlavor returns the weir flavor of f, or an error that names the
// flavors the file has when the weir one is absent or malformed.
func (f *File) WeirFlavor() (Flavor, error) {
	m, ok := f.Flavors[FlavorName]
	if !ok {
		names := make([]string, 0, len(f.Flavors))
		for name := range f.Flavors {
			names = append(names, name)
		}
		sort.Strings(names)
		have := "no flavors"
		if len(names) > 0 {
			have = "flavors " + strings.Join(names, ", ")
		}
		return Flavor{}, weir.Errorf(weir.ErrInvalidParameterValue,
			"model has %s but no %q flavor: Weir loads only models it saved", have, FlavorName)
	}
	var fl Flavor
	switch v := m["format_version"].(type) {
	case int:
		fl.FormatVersion = v
	case nil:
		return Flavor{}, weir.Errorf(weir.ErrInvalidParameterValue, "weir flavor has no format_version")
	default:
		return Flavor{}, weir.Errorf(weir.ErrInvalidParameterValue, "weir flavor format_version %v is not an integer", v)
	}
	if fl.FormatVersion != FlavorVersion {
		return Flavor{}, weir.Errorf(weir.ErrInvalidParameterValue,
			"weir flavor format_version %d is not supported (this build reads %d)", fl.FormatVersion, FlavorVersion)
	}
	fl.Predictor, _ = m["predictor"].(string)
	if fl.Predictor == "" {
		return Flavor{}, weir.Errorf(weir.ErrInvalidParameterValue, "weir flavor names no predictor file")
	}
	fl.WeirVersion, _ = m["weir_version"].(string)
	return fl, nil
}

func (fl Flavor) entry() map[string]any {
	return map[string]any{"format_version": fl.FormatVersion, "predictor": fl.Predictor, "weir_version": fl.WeirVersion}
}
