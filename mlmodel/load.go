package mlmodel

import (
	"bytes"
	"errors"
	"io/fs"
	"path/filepath"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/ml/predictor"
)

// Load reads the model directory at dir: its MLmodel file, weir flavor,
// predictor and signature. A directory that is not an MLflow model, a model
// without the weir flavor, an unknown flavor or predictor format version,
// and a signature whose inputs or outputs disagree with the predictor are *weir.Error values
// that say which.
func Load(dir string) (m *Model, err error) {
	defer weir.Wrap(&err, "mlmodel: loading %s", dir)
	f, err := readFile(dir)
	if err != nil {
		return nil, err
	}
	fl, err := f.WeirFlavor()
	if err != nil {
		return nil, err
	}
	if !filepath.IsLocal(fl.Predictor) {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "weir flavor names predictor file %q outside the model directory", fl.Predictor)
	}
	b, err := ReadModelFile(dir, fl.Predictor, MaxPredictorBytes)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, weir.Errorf(weir.ErrResourceDoesNotExist, "model has no predictor file %s", fl.Predictor)
	}
	if err != nil {
		return nil, err
	}
	p, err := predictor.Load(bytes.NewReader(b))
	if err != nil {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "%s: %s", fl.Predictor, safeProblem(err))
	}
	sig, err := SignatureFor(p)
	if err != nil {
		return nil, err
	}
	if f.Signature != nil {
		if sig, err = parseSignature(f.Signature); err != nil {
			return nil, err
		}
		if err := sig.checkInputs(p.InputSchema()); err != nil {
			return nil, err
		}
		if err := sig.checkOutputs(p.Task); err != nil {
			return nil, err
		}
	}
	return &Model{Dir: dir, MLmodel: f, Flavor: fl, Signature: sig, Predictor: p}, nil
}
