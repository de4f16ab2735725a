package pipeline

import (
	"context"
	"encoding/json"

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

func runDeploy(ctx context.Context, r *Runner, dir string) (any, error) {
	out := StepOutcome{Status: "skipped: no image builder configured"}
	if r.Deployer != nil && r.Spec.Deploy.Image != "" {
		img, err := r.Deployer.BuildImage(ctx, r.st.modelDir, r.Spec.Deploy.Image, dir)
		if err != nil {
			return nil, err
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

func loadDeploy(r *Runner, raw json.RawMessage) error {
	return json.Unmarshal(raw, &r.st.summary.Image)
}
