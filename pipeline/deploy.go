package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/weir-ml/weir/ml/frame"
)

// Image is a built container image.
type Image struct {
	Reference string `json:"reference"` // where it was written, e.g. oci-layout:DIR
	Digest    string `json:"digest"`
}

// Deployer builds the serving image of a model directory. cmd/weir provides
// one on the oci package; the pipeline only needs this much of it.
type Deployer interface {
	BuildImage(ctx context.Context, modelDir, tag, outDir string) (Image, error)
}

// Scorer scores rows through a served model.
type Scorer interface {
	// Score returns the positive-class probability of every row of f.
	Score(ctx context.Context, f *frame.Frame) ([]float64, error)
	// URL says where the model is served.
	URL() string
}

// deployWarning starts the status of a deploy step whose image could not
// be built. Such a result is not replayed from the cache, so the next run
// tries the build again.
const deployWarning = "warning: "

// errDeployRetry makes the engine treat a cached deploy that only warned as
// missing, so the step runs again.
var errDeployRetry = errors.New("the image was not built last time: trying again")

// runDeploy builds the image. By now the model is registered, so a build
// that fails (no Go toolchain, a dynamically linked weir, a full disk)
// does not fail the pipeline: the step ends with a warning that says why
// and the exact command that builds the image later.
func runDeploy(ctx context.Context, r *Runner, dir string) (any, error) {
	out := StepOutcome{Status: "skipped: no image builder configured"}
	if r.Deployer != nil && r.Spec.Deploy.Image != "" {
		img, err := r.Deployer.BuildImage(ctx, r.st.modelDir, r.Spec.Deploy.Image, dir)
		if err != nil {
			if ctx.Err() != nil {
				return nil, err // interrupted: not a reason to carry on
			}
			cmd := buildImageCommand(r, filepath.Join(dir, "image"))
			out = StepOutcome{Status: deployWarning + "the image was not built: " + firstLine(err.Error()) + "; build it with: " + cmd}
			fmt.Fprintf(r.Progress, "           warning: the image was not built: %v\n           build it with: %s\n", firstLine(err.Error()), cmd)
			r.st.summary.Image = out
			return out, nil
		}
		out = StepOutcome{Status: "done", Reference: r.Spec.Deploy.Image + " " + img.Reference, Digest: img.Digest}
		if err := r.setTag(ctx, "weir.image", r.Spec.Deploy.Image+"@"+img.Digest); err != nil {
			return nil, err
		}
	} else if r.Spec.Deploy.Image == "" {
		out.Status = "skipped: deploy.image is not set"
	}
	return out, loadDeploy(r, mustJSON(out))
}

// buildImageCommand is the weir command that builds the registered model's
// image into layout, as the deploy step would have.
func buildImageCommand(r *Runner, layout string) string {
	c := r.st.summary.Champion
	uri := c.ModelURI
	if c.Name != "" && c.Version != "" {
		uri = "models:/" + c.Name + "/" + c.Version
	}
	args := []string{"weir", "models", "build-image", "-m", uri, "-t", r.Spec.Deploy.Image, "--oci-layout", layout}
	if r.TrackingURI != "" {
		args = append(args, "--tracking-uri", r.TrackingURI)
	}
	for i, a := range args {
		args[i] = shellQuote(a)
	}
	return strings.Join(args, " ")
}

// shellQuote quotes s for a POSIX shell when it holds anything but plain
// characters.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(c rune) bool {
		return !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("-_./:@=+,%", c))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

func loadDeploy(r *Runner, raw json.RawMessage) error {
	var out StepOutcome
	if err := json.Unmarshal(raw, &out); err != nil {
		return err
	}
	if strings.HasPrefix(out.Status, deployWarning) {
		return errDeployRetry
	}
	r.st.summary.Image = out
	return nil
}
