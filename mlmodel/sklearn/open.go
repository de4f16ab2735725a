package sklearn

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/weir-ml/weir/mlmodel"
)

// FlavorName is the MLmodel flavor scikit-learn models are saved under.
const FlavorName = "sklearn"

// MaxModelBytes bounds the size of the model file Open hands to read.
const MaxModelBytes = 1 << 30

// Open returns a Scorer for the scikit-learn model that MLflow saved in
// dir, whose MLmodel file is f. read reads the model file (skops or
// pickle) into pyobj values; it is injected so that this package does not
// depend on the readers. Inputs come from the signature when it names
// columns, else from the estimator's feature_names_in_; the pyfunc
// predict_fn decides between labels and probabilities.
func Open(dir string, f *mlmodel.File, read func(path string) (any, error)) (mlmodel.Scorer, error) {
	fl, ok := f.Flavors[FlavorName]
	if !ok {
		return nil, fmt.Errorf("sklearn: the MLmodel file has no %q flavor", FlavorName)
	}
	name, _ := fl["pickled_model"].(string)
	if name == "" {
		return nil, fmt.Errorf("sklearn: the sklearn flavor names no pickled_model file")
	}
	switch format, _ := fl["serialization_format"].(string); format {
	case "", "skops", "pickle", "cloudpickle":
	default:
		return nil, fmt.Errorf("sklearn: serialization format %q is not supported: want skops, pickle or cloudpickle", format)
	}
	path, err := modelFile(dir, name)
	if err != nil {
		return nil, err
	}
	root, err := read(path)
	if err != nil {
		return nil, fmt.Errorf("sklearn: reading %s: %w", name, err)
	}
	est, err := Build(root)
	if err != nil {
		return nil, err
	}
	inputs, err := signatureInputs(f)
	if err != nil {
		return nil, err
	}
	predictFn := PredictFn
	if py, ok := f.Flavors["python_function"]; ok {
		if fn, ok := py["predict_fn"].(string); ok && fn != "" {
			predictFn = fn
		}
	}
	return NewScorer(est, inputs, predictFn)
}

// modelFile returns the path of the model file name inside dir, refusing
// names that leave dir, symbolic links on the way, anything but a regular
// file, and files larger than MaxModelBytes.
func modelFile(dir, name string) (string, error) {
	if !filepath.IsLocal(name) {
		return "", fmt.Errorf("sklearn: the model file %q is not inside the model directory", name)
	}
	path := dir
	parts := strings.Split(filepath.ToSlash(filepath.Clean(name)), "/")
	for i, p := range parts {
		path = filepath.Join(path, p)
		info, err := os.Lstat(path)
		if err != nil {
			return "", fmt.Errorf("sklearn: model file: %w", err)
		}
		last := i == len(parts)-1
		switch {
		case info.Mode()&os.ModeSymlink != 0:
			return "", fmt.Errorf("sklearn: %s is a symbolic link: the model file must be a regular file inside the model directory", name)
		case last && !info.Mode().IsRegular():
			return "", fmt.Errorf("sklearn: %s is not a regular file", name)
		case !last && !info.IsDir():
			return "", fmt.Errorf("sklearn: %s is not a directory", filepath.Join(parts[:i+1]...))
		case last && info.Size() > MaxModelBytes:
			return "", fmt.Errorf("sklearn: %s is %d bytes, more than the %d this build reads", name, info.Size(), int64(MaxModelBytes))
		}
	}
	return path, nil
}

// signatureInputs returns the inputs a column signature names, or nil when
// the model has no signature or a tensor one.
func signatureInputs(f *mlmodel.File) ([]mlmodel.Input, error) {
	if f.Signature == nil {
		return nil, nil
	}
	sig, err := f.ParseSignature()
	if err != nil {
		return nil, fmt.Errorf("sklearn: %w", err)
	}
	inputs := make([]mlmodel.Input, len(sig.Inputs))
	for i, c := range sig.Inputs {
		if c.Name == "" || c.Type == "tensor" {
			return nil, nil
		}
		k, err := mlmodel.Kind(c.Type)
		if err != nil {
			return nil, fmt.Errorf("sklearn: signature input %q: %w", c.Name, err)
		}
		inputs[i] = mlmodel.Input{Name: c.Name, Kind: k, Required: c.Required}
	}
	return inputs, nil
}
