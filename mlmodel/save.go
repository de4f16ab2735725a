package mlmodel

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/ml/frame"
	"github.com/weir-ml/weir/ml/predictor"
)

// Info is what Save records besides the predictor. Every field is optional.
type Info struct {
	// ArtifactPath is where the model lives among the run's or the logged
	// model's artifacts (Log fills it with the logged model's artifact URI,
	// as MLflow 3 does).
	ArtifactPath string
	RunID        string
	ModelID      string // MLflow 3 logged model ID, "m-..."
	// ModelUUID identifies this copy of the model; empty means a random one.
	ModelUUID string
	// Created is the creation time; zero means now.
	Created time.Time
	// Example holds a few rows to save as the input example (columns beyond
	// the predictor's inputs are dropped). The scoring server scores them
	// before it serves a new model.
	Example *frame.Frame
	// Metadata is free-form user metadata.
	Metadata map[string]any
}

// utcLayout is how MLflow writes utc_time_created (Python's str of a naive
// datetime).
const utcLayout = "2006-01-02 15:04:05.000000"

// Save writes p as an MLflow model directory at dir, creating it if needed.
// A dir that already holds an MLmodel file is refused rather than mixed with
// a second model.
func Save(dir string, p *predictor.Predictor, info Info) (err error) {
	defer weir.Wrap(&err, "mlmodel: saving %s", dir)
	if p == nil {
		return fmt.Errorf("no predictor")
	}
	var pred bytes.Buffer
	if err := p.Save(&pred); err != nil {
		return err
	}
	sig, err := SignatureFor(p)
	if err != nil {
		return err
	}
	f, err := newFile(sig, info)
	if err != nil {
		return err
	}
	// The python_function flavor's loader and environment travel with
	// the model, so mlflow.pyfunc loads it with only mlflow installed.
	files := PyfuncFiles()
	files[PredictorFile] = pred.Bytes()
	f.Flavors[PyfuncFlavorName] = PyfuncFlavor()
	if info.Example != nil {
		in, serving, err := exampleFiles(info.Example, p.InputSchema())
		if err != nil {
			return err
		}
		files[InputExampleFile], files[ServingExampleFile] = in, serving
		f.SavedInputExampleInfo = &ExampleInfo{ArtifactPath: InputExampleFile, PandasOrient: "split",
			ServingInputPath: ServingExampleFile, Type: "dataframe"}
	}
	if _, err := os.Stat(filepath.Join(dir, MLmodelFile)); err == nil {
		return weir.Errorf(weir.ErrResourceAlreadyExists, "%s already holds a model", dir)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for name, b := range files {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return err
		}
		f.ModelSizeBytes += int64(len(b))
	}
	b, err := f.Marshal()
	if err != nil {
		return err
	}
	// MLmodel goes last: a directory with an MLmodel file is a whole model.
	return os.WriteFile(filepath.Join(dir, MLmodelFile), b, 0o644)
}

// newFile returns the MLmodel content for a predictor with signature sig.
func newFile(sig Signature, info Info) (*File, error) {
	uuid := info.ModelUUID
	if uuid == "" {
		var b [16]byte
		rand.Read(b[:])
		uuid = hex.EncodeToString(b[:])
	}
	created := info.Created
	if created.IsZero() {
		created = time.Now()
	}
	return &File{
		ArtifactPath: info.ArtifactPath,
		Flavors: map[string]map[string]any{
			FlavorName: Flavor{FormatVersion: FlavorVersion, Predictor: PredictorFile, WeirVersion: weir.Version}.entry(),
		},
		MLflowVersion:  weir.MLflowVersion,
		ModelID:        info.ModelID,
		ModelUUID:      uuid,
		RunID:          info.RunID,
		Signature:      sig.fileSignature(),
		UTCTimeCreated: created.UTC().Format(utcLayout),
		Metadata:       info.Metadata,
	}, nil
}
