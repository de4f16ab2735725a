package oci

import (
	"archive/tar"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// fsEntry is one file, directory or link of a synthetic image layer.
type fsEntry struct {
	name string
	typ  byte // tar.TypeReg (default), tar.TypeDir, tar.TypeSymlink, tar.TypeLink
	mode int64
	link string
	body string
}

// mustFSImage returns a linux/amd64 image whose layers hold the given
// entries (one layer per slice) and whose config has env.
func mustFSImage(tb testing.TB, env []string, layers ...[]fsEntry) v1.Image {
	tb.Helper()
	img := empty.Image
	for _, entries := range layers {
		var buf bytes.Buffer
		tw := tar.NewWriter(&buf)
		for _, e := range entries {
			h := &tar.Header{Name: e.name, Typeflag: e.typ, Mode: e.mode, Linkname: e.link, Size: int64(len(e.body))}
			if h.Typeflag == 0 {
				h.Typeflag = tar.TypeReg
			}
			if h.Mode == 0 {
				h.Mode = 0o644
			}
			if h.Typeflag != tar.TypeReg {
				h.Size = 0
			}
			if err := tw.WriteHeader(h); err != nil {
				tb.Fatal(err)
			}
			if h.Size > 0 {
				tw.Write([]byte(e.body))
			}
		}
		tw.Close()
		var err error
		raw := buf.Bytes()
		l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(raw)), nil })
		if err != nil {
			tb.Fatal(err)
		}
		if img, err = mutate.AppendLayers(img, l); err != nil {
			tb.Fatal(err)
		}
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		tb.Fatal(err)
	}
	cfg = cfg.DeepCopy()
	cfg.OS, cfg.Architecture = "linux", "amd64"
	cfg.Config.Env = env
	if img, err = mutate.ConfigFile(img, cfg); err != nil {
		tb.Fatal(err)
	}
	return mutate.MediaType(img, types.OCIManifestSchema1)
}

// pythonFS is a Debian-like file system with a merged /usr (/bin links to
// usr/bin), python3 a link to python3.11, and mlflow and numpy installed.
var pythonFS = []fsEntry{
	{name: "usr/", typ: tar.TypeDir, mode: 0o755},
	{name: "usr/bin/", typ: tar.TypeDir, mode: 0o755},
	{name: "bin", typ: tar.TypeSymlink, link: "usr/bin"},
	{name: "usr/local/bin/", typ: tar.TypeDir, mode: 0o755},
	{name: "usr/local/bin/python3.11", mode: 0o755, body: "#!fake"},
	{name: "usr/local/bin/python3", typ: tar.TypeSymlink, link: "python3.11"},
	{name: "usr/local/lib/python3.11/site-packages/mlflow/__init__.py", body: ""},
	{name: "usr/local/lib/python3.11/site-packages/mlflow-3.17.2.dist-info/METADATA", body: "Name: mlflow"},
	{name: "usr/local/lib/python3.11/site-packages/numpy-2.4.6.dist-info/METADATA", body: "Name: numpy"},
	{name: "usr/local/lib/python3.11/site-packages/scikit_learn-1.9.1.dist-info/METADATA", body: "Name: scikit-learn"},
	{name: "usr/lib/python3/dist-packages/PyYAML-6.0.egg-info/PKG-INFO", body: ""},
}

func TestInspectPython(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name        string
		env         []string
		layers      [][]fsEntry
		python, ver string
	}{
		{"PATH through links", []string{"PATH=/usr/local/bin:/usr/bin"}, [][]fsEntry{pythonFS}, "/usr/local/bin/python3.11", "3.11"},
		{"no PATH: Docker's default", nil, [][]fsEntry{pythonFS}, "/usr/local/bin/python3.11", "3.11"},
		{"PATH without python3", []string{"PATH=/usr/bin"}, [][]fsEntry{pythonFS}, "", ""},
		{"relative PATH entries are skipped", []string{"PATH=usr/local/bin"}, [][]fsEntry{pythonFS}, "", ""},
		{"python3 through /bin -> usr/bin", []string{"PATH=/bin"}, [][]fsEntry{pythonFS, {
			{name: "usr/bin/python3", typ: tar.TypeSymlink, link: "../local/bin/python3"},
		}}, "/usr/local/bin/python3.11", "3.11"},
		{"an absolute link", []string{"PATH=/opt/venv/bin"}, [][]fsEntry{pythonFS, {
			{name: "opt/venv/bin/python3", typ: tar.TypeSymlink, link: "/usr/local/bin/python3"},
		}}, "/usr/local/bin/python3.11", "3.11"},
		{"a link loop", []string{"PATH=/loop"}, [][]fsEntry{{
			{name: "loop/python3", typ: tar.TypeSymlink, link: "python4"},
			{name: "loop/python4", typ: tar.TypeSymlink, link: "python3"},
		}}, "", ""},
		{"not executable", []string{"PATH=/x"}, [][]fsEntry{{{name: "x/python3", mode: 0o644, body: "x"}}}, "", ""},
		{"a dangling link", []string{"PATH=/x"}, [][]fsEntry{{{name: "x/python3", typ: tar.TypeSymlink, link: "/nowhere/python"}}}, "", ""},
		{"deleted by a later layer", []string{"PATH=/usr/local/bin"}, [][]fsEntry{pythonFS, {
			{name: "usr/local/bin/.wh.python3.11"},
		}}, "", ""},
		{"a name without a version", []string{"PATH=/x"}, [][]fsEntry{{{name: "x/python3", mode: 0o755, body: "x"}}}, "/x/python3", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pb, err := InspectPython(ctx, mustFSImage(t, tc.env, tc.layers...))
			if err != nil {
				t.Fatal(err)
			}
			if pb.Python != tc.python || pb.Version != tc.ver {
				t.Errorf("python: got %q version %q, want %q version %q", pb.Python, pb.Version, tc.python, tc.ver)
			}
		})
	}

	pb, err := InspectPython(ctx, mustFSImage(t, nil, pythonFS))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"mlflow": "3.17.2", "numpy": "2.4.6", "scikit-learn": "1.9.1", "pyyaml": "6.0"}
	if !reflect.DeepEqual(pb.Packages, want) {
		t.Errorf("packages: got %v, want %v", pb.Packages, want)
	}
}

func TestPythonBaseCheck(t *testing.T) {
	full := &PythonBase{Python: "/usr/bin/python3.11", Version: "3.11",
		Packages: map[string]string{"mlflow": "3.17.2", "numpy": "2.4.6", "scikit-learn": "1.9.1", "cloudpickle": "3.1.3"}}
	tests := []struct {
		name         string
		base         *PythonBase
		reqs         string
		wantErr      string
		wantWarnings []string
	}{
		{"all there", full, "mlflow==3.17.2\ncloudpickle==3.1.3\nnumpy\nscikit_learn>=1.0\n", "", nil},
		{"comments, options, markers and extras", full,
			"# pinned\n-r other.txt\n--extra-index-url https://x\nmlflow[extras] == 3.17.2  # the server\npywin32; sys_platform == 'win32'\n", "", nil},
		{"missing and mismatched", full, "mlflow==3.17.2\nnumpy==2.3.0\npandas==3.1.1\nnumpy!=2.4.6\n", "", []string{
			"the model requires numpy==2.3.0; the base image has numpy 2.4.6",
			"the model requires pandas==3.1.1, which the base image does not have",
		}},
		{"mlflow-skinny counts as mlflow", &PythonBase{Python: "/p", Packages: map[string]string{"mlflow-skinny": "3.17.2"}},
			"mlflow==3.17.2\n", "", nil},
		{"no python3", &PythonBase{Packages: full.Packages}, "", "no python3 on its PATH", nil},
		{"no mlflow", &PythonBase{Python: "/usr/bin/python3", Packages: map[string]string{"numpy": "2"}}, "", "has no mlflow installed", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.base.Check([]byte(tc.reqs))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got error %v, want one saying %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.wantWarnings) {
				t.Errorf("warnings:\ngot  %q\nwant %q", got, tc.wantWarnings)
			}
		})
	}
}

func TestBuildPython(t *testing.T) {
	ctx := context.Background()
	base := mustFSImage(t, []string{"PATH=/usr/local/bin:/usr/bin", "HOME=/root", "LANG=C.UTF-8"}, pythonFS)
	pkgs := t.TempDir()
	mustWriteFiles(t, pkgs, map[string]string{"joblib-1.6.0.dist-info/METADATA": "Name: joblib", "joblib/__init__.py": ""})
	spec := Spec{Binary: mustTinyBinary(t), ModelDir: mustModelDir(t, "{}"), Base: base, Python: true,
		Model: ModelInfo{Name: "scorecard", Version: "2"}, Labels: map[string]string{"team": "risk"}}

	img, err := Build(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	layers := mustLayerDigests(t, img.Image)
	if want := append(mustLayerDigests(t, base), layers[len(layers)-2:]...); len(layers) != 3 || !slices.Equal(layers, want) {
		t.Errorf("layers: got %v, want the base's then the binary and the model", layers)
	}
	cfg, err := img.Image.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	c := cfg.Config
	checks := []struct {
		name      string
		got, want any
	}{
		{"entrypoint", c.Entrypoint, []string{"/weir", "models", "serve", "-m", "/model", "--host", "0.0.0.0", "--port", "8080", "--env-manager", "local"}},
		{"env: the base's PATH, HOME for the user", c.Env, []string{"PATH=/usr/local/bin:/usr/bin", "LANG=C.UTF-8", "HOME=/tmp"}},
		{"user", c.User, "65532:65532"},
		{"runtime label", c.Labels[LabelRuntime], "python"},
		{"extra label", c.Labels["team"], "risk"},
		{"health start period", c.Healthcheck.StartPeriod, 60 * time.Second},
		{"health check", c.Healthcheck.Test, HealthcheckCommand},
		{"exposed ports", c.ExposedPorts, map[string]struct{}{"8080/tcp": {}}},
	}
	for _, tc := range checks {
		if !reflect.DeepEqual(tc.got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, tc.got, tc.want)
		}
	}

	spec.PythonPackages = pkgs
	img, err = Build(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	ls, err := img.Image.Layers()
	if err != nil {
		t.Fatal(err)
	}
	if len(ls) != 4 {
		t.Fatalf("with Python packages: %d layers, want 4 (base, binary, packages, model)", len(ls))
	}
	var names []string
	for _, e := range mustLayerEntries(t, ls[2]) {
		names = append(names, e.name)
	}
	sort.Strings(names)
	if want := []string{"opt/", "opt/weir/", "opt/weir/python/", "opt/weir/python/joblib-1.6.0.dist-info/",
		"opt/weir/python/joblib-1.6.0.dist-info/METADATA", "opt/weir/python/joblib/", "opt/weir/python/joblib/__init__.py"}; !slices.Equal(names, want) {
		t.Errorf("packages layer: got %q, want %q", names, want)
	}
	cfg, _ = img.Image.ConfigFile()
	if v, _ := lookupEnv(cfg.Config.Env, "PYTHONPATH"); v != PythonPackagesPath {
		t.Errorf("PYTHONPATH: got %q, want %q", v, PythonPackagesPath)
	}

	errs := []struct {
		name string
		spec Spec
		want string
	}{
		{"no base", Spec{Binary: spec.Binary, ModelDir: spec.ModelDir, Python: true}, "needs a base image with Python"},
		{"packages for a native model", Spec{Binary: spec.Binary, ModelDir: spec.ModelDir, Base: base, PythonPackages: pkgs}, "scores natively"},
	}
	for _, tc := range errs {
		if _, err := Build(ctx, tc.spec); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error saying %q", tc.name, err, tc.want)
		}
	}
}

// mustWriteFiles writes files (relative path to content) under dir.
func mustWriteFiles(tb testing.TB, dir string, files map[string]string) {
	tb.Helper()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
}
