package pipeline

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
)

// fakeDeployer builds nothing: it fails with err, or returns an image.
type fakeDeployer struct {
	err   error
	calls int
}

var _ Deployer = (*fakeDeployer)(nil)

func (d *fakeDeployer) BuildImage(ctx context.Context, modelDir, tag, outDir string) (Image, error) {
	d.calls++
	if d.err != nil {
		return Image{}, d.err
	}
	return Image{Reference: "oci-layout:" + outDir, Digest: "sha256:0123"}, nil
}

// TestDeployFailureWarns: once the model is registered, an image that
// cannot be built is a warning with the command to build it later, not a
// failed pipeline; the next run tries the build again instead of replaying
// the warning from the cache.
func TestDeployFailureWarns(t *testing.T) {
	dir := t.TempDir()
	data := smallCSV(t, dir, false)
	ctx := context.Background()

	r := newTestRunner(t, dir, data)
	r.Spec.Deploy.Image = "small:1"
	failing := &fakeDeployer{err: errors.New("no weir binary for linux/amd64: this weir is dynamically linked\nmore detail")}
	r.Deployer = failing
	var progress bytes.Buffer
	r.Progress = &progress
	sum, err := r.Run(ctx)
	if err != nil {
		t.Fatalf("a failed image build failed the pipeline: %v", err)
	}
	want := "weir models build-image -m models:/small/1 -t small:1 --oci-layout "
	for _, s := range []string{sum.Image.Status, progress.String()} {
		if !strings.Contains(s, "dynamically linked") || !strings.Contains(s, want) || !strings.Contains(s, "--tracking-uri sqlite:///test") {
			t.Errorf("got %q, want the cause and the command %q... --tracking-uri sqlite:///test", s, want)
		}
	}
	if !strings.HasPrefix(sum.Image.Status, "warning: ") || strings.Contains(sum.Image.Status, "more detail") {
		t.Errorf("image status %q, want one line starting with warning:", sum.Image.Status)
	}
	if sum.Champion.Version != "1" {
		t.Errorf("champion version %q, want 1 registered before the deploy step", sum.Champion.Version)
	}

	r = newTestRunner(t, dir, data)
	r.Spec.Deploy.Image = "small:1"
	working := &fakeDeployer{}
	r.Deployer = working
	sum, err = r.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if working.calls != 1 || sum.Image.Status != "done" {
		t.Errorf("second run: %d builds, image status %q; want the build tried again and done", working.calls, sum.Image.Status)
	}
	if got, want := statuses(sum), "business=cached acquire=cached understand=cached validate=cached prepare=cached model=cached evaluate=cached register=cached deploy=ran monitor=cached"; got != want {
		t.Errorf("second run steps: %s, want %s", got, want)
	}
}

func TestShellQuote(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"models:/bank/3", "models:/bank/3"},
		{"sqlite:///weir.db", "sqlite:///weir.db"},
		{"my dir/image", "'my dir/image'"},
		{"it's", `'it'\''s'`},
		{"", "''"},
	} {
		if got := shellQuote(tt.in); got != tt.want {
			t.Errorf("shellQuote(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}
