package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/ml/frame"
	"github.com/weir-ml/weir/registry"
	"github.com/weir-ml/weir/tracking"
)

// Steps are the pipeline's steps in the order they run.
var Steps = []string{"business", "acquire", "understand", "validate", "prepare", "model", "evaluate", "register", "deploy", "monitor"}

// Artifacts moves files under artifact URIs (mlmodel.Files and
// httpapi.Client satisfy it).
type Artifacts interface {
	Upload(ctx context.Context, artifactURI, path string, r io.Reader) error
	Download(ctx context.Context, artifactURI, destDir string) error
}

// Backend is where the pipeline logs runs, models and files.
type Backend struct {
	Tracking     tracking.Service
	Registry     registry.Service
	LoggedModels tracking.LoggedModelService
	Artifacts    Artifacts
}

// Runner runs one pipeline. Configure the exported fields, then call Run.
type Runner struct {
	Spec    *Spec
	Backend Backend
	// TrackingURI is recorded in lineage and keys the cache, since the runs
	// a cached step points at live there.
	TrackingURI string
	// StateDir holds step results and reports; "" means ".weir-pipeline".
	StateDir string
	// Force reruns this step and every step after it.
	Force string
	// Step, when set, runs the pipeline only as far as this step, and the
	// steps before it must be in the step cache already (an earlier
	// invocation ran them): each step can then run in its own process, as
	// a workflow engine on a cluster runs them.
	Step string
	// Shared names a pipeline run that several invocations log to: the run
	// of the experiment tagged weir.pipeline.shared with this value, which
	// the first invocation creates. "" gives each invocation its own run.
	Shared string
	// Progress receives one line per step, and the trial counter.
	Progress io.Writer
	// GitRevision is the code version recorded in lineage, if known.
	GitRevision string
	// Deployer builds the image; nil makes the deploy step report skipped.
	Deployer Deployer
	// ReadData reads the local data file the acquire step found (other
	// formats than CSV, such as Parquet); nil reads CSV with inferred kinds.
	ReadData func(path string) (*frame.Frame, error)
	// Serve, when set, starts serving the registered model directory; the
	// monitoring replay then scores through the Scorer it returns, as
	// production traffic would be.
	Serve func(ctx context.Context, modelDir string) (Scorer, error)
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// CacheEntries is how many results each step keeps, newest first
	// (variants of a spec coexist up to it); 0 means DefaultCacheEntries.
	CacheEntries int

	st       *state
	parentID string
	// journal collects what the running step logs to the pipeline run, so
	// that a later run replaying the step from the cache logs it too.
	journal *journal
}

// DefaultCacheEntries is how many results each step keeps by default.
const DefaultCacheEntries = 8

// stepFunc runs a step, filling out (its cached result) and the state.
type stepFunc func(ctx context.Context, r *Runner, dir string) (any, error)

// loadFunc restores a cached step's result into the state.
type loadFunc func(r *Runner, raw json.RawMessage) error

type stepDef struct {
	name string
	// deps are the steps whose results this one reads; their keys are
	// part of its key, so a change upstream reruns exactly what depends
	// on it.
	deps []string
	// def is the part of the spec the step depends on, hashed into its key.
	def  func(s *Spec) any
	run  stepFunc
	load loadFunc
}

// record is a step's cached result on disk.
type record struct {
	Step     string          `json:"step"`
	Key      string          `json:"key"`
	RunID    string          `json:"run_id"`
	Seconds  float64         `json:"seconds"`
	Finished time.Time       `json:"finished"`
	Result   json.RawMessage `json:"result"`
	// Logged is what the step logged to its pipeline run.
	Logged journal `json:"logged"`
}

// Run runs every step, replaying cached ones, and returns the summary. A
// failing step leaves the results of the steps before it in the cache, and
// the error says how to resume.
func (r *Runner) Run(ctx context.Context) (sum *Summary, err error) {
	if r.Spec == nil {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "pipeline: no spec")
	}
	if r.Force != "" && !slices.Contains(Steps, r.Force) {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "--force %q is not a step; steps are %s", r.Force, listText(Steps))
	}
	stop, err := r.checkStep()
	if err != nil {
		return nil, err
	}
	if r.StateDir == "" {
		r.StateDir = ".weir-pipeline"
	}
	if r.Now == nil {
		r.Now = time.Now
	}
	if r.Progress == nil {
		r.Progress = io.Discard
	}
	r.st = &state{spec: r.Spec, summary: newSummary(r.Spec), read: r.ReadData}
	start := r.Now()
	expID, err := r.experiment(ctx)
	if err != nil {
		return nil, err
	}
	r.st.experimentID = expID
	if err := r.startParent(ctx); err != nil {
		return nil, err
	}
	defer func() { r.finishParent(ctx, err) }()

	keys := map[string]string{}
	ran := map[string]bool{}
	forced := false
	for i, def := range stepDefs {
		if i > stop {
			break
		}
		earlier := r.Step != "" && i < stop // must come from the cache
		forced = forced || def.name == r.Force
		var inputs []string
		rerun := false // an input step ran again, so its result may differ from the cached one's
		for _, d := range def.deps {
			inputs = append(inputs, keys[d])
			rerun = rerun || ran[d]
		}
		key := r.key(def, inputs)
		keys[def.name] = key
		dir := r.entryDir(def.name, key)
		t0 := r.Now()
		// A cached result is trusted only while the run it logged to still
		// exists: a wiped or different store needs the steps run again.
		if rec, ok := r.cached(dir, key); ok && !forced && !rerun && r.runExists(ctx, rec.RunID) {
			if err := def.load(r, rec.Result); err == nil {
				if def.name == "register" {
					if err := r.refreshAliases(ctx, &r.st.summary.Champion); err != nil {
						return nil, &StepError{Step: def.name, Err: err}
					}
					loadServeCommand(r.st.summary)
				}
				// A step computed for this very run (a shared one) is
				// logged there already.
				if rec.RunID != r.parentID {
					if err := r.replay(ctx, def.name, rec); err != nil {
						return nil, &StepError{Step: def.name, Err: fmt.Errorf("copying the cached step's record to run %s: %w", r.parentID, err)}
					}
				}
				touch(dir)
				r.st.summary.Steps = append(r.st.summary.Steps, StepResult{Name: def.name, Status: "cached", Seconds: rec.Seconds, RunID: rec.RunID})
				fmt.Fprintf(r.Progress, "[%2d/%d] %-10s cached (%s)\n", i+1, len(stepDefs), def.name, short(key))
				continue
			}
		}
		if earlier {
			return nil, r.notCached(def.name)
		}
		fmt.Fprintf(r.Progress, "[%2d/%d] %-10s ...\n", i+1, len(stepDefs), def.name)
		if err := os.RemoveAll(dir); err != nil {
			return nil, err
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		r.journal = &journal{}
		res, err := def.run(ctx, r, dir)
		logged := *r.journal
		r.journal = nil
		secs := r.Now().Sub(t0).Seconds()
		if err != nil {
			fmt.Fprintf(r.Progress, "[%2d/%d] %-10s FAILED after %.1fs\n", i+1, len(stepDefs), def.name, secs)
			return nil, &StepError{Step: def.name, Err: err}
		}
		b, err := json.Marshal(res)
		if err != nil {
			return nil, err
		}
		rec := record{Step: def.name, Key: key, RunID: r.parentID, Seconds: secs, Finished: r.Now().UTC(), Result: b, Logged: logged}
		if err := writeJSON(filepath.Join(dir, "result.json"), rec); err != nil {
			return nil, err
		}
		ran[def.name] = true
		r.st.summary.Steps = append(r.st.summary.Steps, StepResult{Name: def.name, Status: "ran", Seconds: secs, RunID: r.parentID})
		_ = r.Backend.Tracking.SetTag(ctx, r.parentID, tracking.Tag{Key: "weir.pipeline.step." + def.name, Value: fmt.Sprintf("ran in %.1fs", secs)})
		fmt.Fprintf(r.Progress, "[%2d/%d] %-10s done in %.1fs\n", i+1, len(stepDefs), def.name, secs)
	}
	// Pruning needs every step's key, which only a whole run has.
	if r.Step == "" {
		if err := r.prune(keys); err != nil {
			fmt.Fprintf(r.Progress, "warning: pruning the step cache: %v\n", err)
		}
	}
	r.st.summary.Seconds = r.Now().Sub(start).Seconds()
	r.st.summary.PipelineRunID = r.parentID
	r.st.summary.TrackingURI = r.TrackingURI
	return r.st.summary, nil
}

// StepError is a failed step; its message says how to resume.
type StepError struct {
	Step string
	Err  error
}

// Error says which step failed and how to resume.
func (e *StepError) Error() string {
	return fmt.Sprintf("step %s failed: %v (earlier steps are cached; fix the cause and run again, or rerun from it with --force %s)", e.Step, e.Err, e.Step)
}

// Unwrap returns the step's error.
func (e *StepError) Unwrap() error { return e.Err }

// key hashes what a step's result depends on: its definition, the keys of
// the steps it reads (which cover every input digest upstream), the seed,
// Weir's version and the tracking URI its runs live in.
func (r *Runner) key(def stepDef, inputs []string) string {
	b, _ := json.Marshal(struct {
		Step, Version, URI string
		Inputs             []string
		Seed               uint64
		Def                any
	}{def.name, weir.Version, r.TrackingURI, inputs, r.Spec.Seed, def.def(r.Spec)})
	// The data file's content is an input of acquire: hash it in, so that a
	// changed file at the same path is not mistaken for the cached one.
	h := sha256.New()
	h.Write(b)
	if def.name == "acquire" && r.Spec.Data.Path != "" {
		if f, err := os.Open(r.Spec.Data.Path); err == nil {
			io.Copy(h, f)
			f.Close()
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// entryDir is where a step's result for one key lives: results are
// content-addressed, so variants of a spec keep their own.
func (r *Runner) entryDir(step, key string) string {
	return filepath.Join(r.StateDir, r.Spec.Name, step, key[:16])
}

func (r *Runner) cached(dir, key string) (record, bool) {
	var rec record
	b, err := os.ReadFile(filepath.Join(dir, "result.json"))
	if err != nil || json.Unmarshal(b, &rec) != nil {
		return rec, false
	}
	return rec, rec.Key == key
}

func (r *Runner) runExists(ctx context.Context, id string) bool {
	_, err := r.Backend.Tracking.GetRun(ctx, id)
	return err == nil
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

func short(key string) string { return key[:12] }

// experiment returns the ID of the spec's experiment, creating it if needed.
func (r *Runner) experiment(ctx context.Context) (string, error) {
	t := r.Backend.Tracking
	e, err := t.GetExperimentByName(ctx, r.Spec.Experiment)
	if err == nil {
		return e.ID, nil
	}
	if weir.ErrorCode(err) != weir.ErrResourceDoesNotExist {
		return "", fmt.Errorf("tracking %s: %w", r.TrackingURI, err)
	}
	id, err := t.CreateExperiment(ctx, r.Spec.Experiment, "", []tracking.Tag{{Key: "mlflow.note.content", Value: r.Spec.Business.Question}})
	if err != nil {
		var we *weir.Error
		if errors.As(err, &we) && we.Code == weir.ErrResourceAlreadyExists {
			e, err2 := t.GetExperimentByName(ctx, r.Spec.Experiment)
			if err2 == nil {
				return e.ID, nil
			}
		}
		return "", err
	}
	return id, nil
}
