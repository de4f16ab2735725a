package mlmodel

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/ml"
	"github.com/weir-ml/weir/tracking"
)

// RunWriter reads a run and links logged models to it; tracking.Service
// satisfies it.
type RunWriter interface {
	RunReader
	LogOutputs(ctx context.Context, runID string, models []tracking.ModelOutput) error
}

// LoggedModelWriter creates and finalizes logged models;
// tracking.LoggedModelService satisfies it.
type LoggedModelWriter interface {
	CreateLoggedModel(ctx context.Context, c tracking.LoggedModelCreate) (*tracking.LoggedModel, error)
	LogLoggedModelParams(ctx context.Context, modelID string, params []tracking.Param) error
	FinalizeLoggedModel(ctx context.Context, modelID, status string) (*tracking.LoggedModel, error)
}

// Uploader writes one file at path (slash-separated, relative) under an
// artifact URI such as a logged model's mlflow-artifacts:/... location.
type Uploader interface {
	Upload(ctx context.Context, artifactURI, path string, r io.Reader) error
}

// Sinks are where Log writes.
type Sinks struct {
	Runs         RunWriter
	LoggedModels LoggedModelWriter
	Artifacts    Uploader
}

// Run tags copied onto the logged model, as MLflow's client resolves them
// from the same context when it logs a model.
var copiedRunTags = []string{"mlflow.user", "mlflow.source.name", "mlflow.source.type", "mlflow.source.git.commit"}

// Log logs the model directory dir as an MLflow 3 logged model named name,
// produced by run runID, following MLflow's own flow so that MLflow's
// client and UI see it as a Python-logged model:
//
//  1. create the logged model in the run's experiment, with the run's
//     params and its user and source tags;
//  2. upload every file to the model's artifact URI, the MLmodel file last
//     and rewritten with the model's ID, run and artifact location;
//  3. log the predictor's settings as the model's params (weir.*);
//  4. link the model to the run as an output;
//  5. finalize the model as LOGGED_MODEL_READY.
//
// When a step after the first fails, the model is finalized as
// LOGGED_MODEL_UPLOAD_FAILED, as MLflow's client does, and the error is
// returned. The directory itself is not modified.
func Log(ctx context.Context, dir, runID, name string, s Sinks) (lm *tracking.LoggedModel, err error) {
	defer weir.Wrap(&err, "mlmodel: logging %s", dir)
	if s.Runs == nil || s.LoggedModels == nil || s.Artifacts == nil {
		return nil, fmt.Errorf("Log needs a run writer, a logged-model writer and an uploader")
	}
	if runID == "" {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "no run ID to log the model to")
	}
	m, err := Load(dir) // refuse to log something Weir could not load back
	if err != nil {
		return nil, err
	}
	files, err := modelFiles(dir)
	if err != nil {
		return nil, err
	}
	run, err := s.Runs.GetRun(ctx, runID)
	if err != nil {
		return nil, err
	}
	create := tracking.LoggedModelCreate{ExperimentID: run.Info.ExperimentID, Name: name, SourceRunID: runID,
		Params: run.Data.Params}
	for _, t := range run.Data.Tags {
		for _, k := range copiedRunTags {
			if t.Key == k {
				create.Tags = append(create.Tags, t)
			}
		}
	}
	lm, err = s.LoggedModels.CreateLoggedModel(ctx, create)
	if err != nil {
		return nil, err
	}
	if err := upload(ctx, m, lm, runID, files, s); err != nil {
		// Mark the model failed even when ctx is what ended the upload.
		if _, ferr := s.LoggedModels.FinalizeLoggedModel(context.WithoutCancel(ctx), lm.ModelID, tracking.LoggedModelUploadFailed); ferr != nil {
			err = errors.Join(err, fmt.Errorf("marking %s failed: %w", lm.ModelID, ferr))
		}
		return nil, err
	}
	return s.LoggedModels.FinalizeLoggedModel(ctx, lm.ModelID, tracking.LoggedModelReady)
}

// upload runs the steps of Log between creation and finalization.
func upload(ctx context.Context, m *Model, lm *tracking.LoggedModel, runID string, files []string, s Sinks) error {
	f := *m.MLmodel
	f.ArtifactPath, f.ModelID, f.ModelUUID, f.RunID = lm.ArtifactURI, lm.ModelID, lm.ModelID, runID
	mlmodel, err := f.Marshal()
	if err != nil {
		return err
	}
	for _, rel := range files {
		if err := uploadFile(ctx, s.Artifacts, lm.ArtifactURI, m.Dir, rel); err != nil {
			return err
		}
	}
	if err := s.Artifacts.Upload(ctx, lm.ArtifactURI, MLmodelFile, bytes.NewReader(mlmodel)); err != nil {
		return fmt.Errorf("uploading %s: %w", MLmodelFile, err)
	}
	if err := s.LoggedModels.LogLoggedModelParams(ctx, lm.ModelID, predictorParams(m)); err != nil {
		return err
	}
	return s.Runs.LogOutputs(ctx, runID, []tracking.ModelOutput{{ModelID: lm.ModelID}})
}

func uploadFile(ctx context.Context, up Uploader, uri, dir, rel string) error {
	f, err := os.Open(filepath.Join(dir, filepath.FromSlash(rel)))
	if err != nil {
		return err
	}
	defer f.Close()
	if err := up.Upload(ctx, uri, rel, f); err != nil {
		return fmt.Errorf("uploading %s: %w", rel, err)
	}
	return nil
}

// modelFiles lists the regular files under dir as sorted slash paths,
// without MLmodel, which Log uploads last.
func modelFiles(dir string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		if rel = filepath.ToSlash(rel); rel != MLmodelFile {
			out = append(out, rel)
		}
		return nil
	})
	return out, err // WalkDir visits in lexical order
}

// predictorParams are the settings of the predictor worth comparing across
// models in MLflow's UI.
func predictorParams(m *Model) []tracking.Param {
	p := m.Predictor
	learner, _ := p.LearnerType()
	params := []tracking.Param{
		{Key: "weir.learner", Value: learner},
		{Key: "weir.target", Value: p.Target},
	}
	switch p.Task {
	case ml.TaskMulticlass:
		params = append(params, tracking.Param{Key: "weir.task", Value: p.Task},
			tracking.Param{Key: "weir.classes", Value: capParam(strings.Join(p.Classes, ","))})
	case ml.TaskRegression:
		params = append(params, tracking.Param{Key: "weir.task", Value: p.Task})
	default:
		// Binary models keep the params they always had.
		params = append(params, tracking.Param{Key: "weir.positive_class", Value: p.Classes[1]},
			tracking.Param{Key: "weir.threshold", Value: strconv.FormatFloat(p.Threshold, 'g', -1, 64)})
	}
	return append(params,
		tracking.Param{Key: "weir.inputs", Value: capParam(strings.Join(p.InputSchema().Names(), ","))},
		tracking.Param{Key: "weir.features", Value: strconv.Itoa(len(p.FeatureNames()))})
}

// capParam shortens a param value to MLflow's length limit, marking the cut.
func capParam(v string) string {
	if len(v) <= tracking.MaxParamValueLength {
		return v
	}
	return v[:tracking.MaxParamValueLength-3] + "..."
}
