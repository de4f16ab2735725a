package oci

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

var tiny struct {
	once sync.Once
	path string
	err  error
	dir  string
}

// TestMain removes the tiny binary's directory after the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	if tiny.dir != "" {
		os.RemoveAll(tiny.dir)
	}
	os.Exit(code)
}

// mustTinyBinary returns a small static linux/amd64 Go binary with build
// information (built once per test process), standing in for weir where
// only the image's structure is tested.
func mustTinyBinary(tb testing.TB) string {
	tb.Helper()
	tiny.once.Do(func() {
		if _, err := exec.LookPath("go"); err != nil {
			tiny.err = err
			return
		}
		dir, err := os.MkdirTemp("", "weir-oci-tiny-")
		if err != nil {
			tiny.err = err
			return
		}
		tiny.dir = dir
		src := "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"tiny\") }\n"
		if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644); err != nil {
			tiny.err = err
			return
		}
		if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/tiny\n\ngo 1.22\n"), 0o644); err != nil {
			tiny.err = err
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags", "-s -w", "-o", "tiny", ".")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64", "GOFLAGS=-mod=mod", "GOWORK=off")
		if out, err := cmd.CombinedOutput(); err != nil {
			tiny.err = &buildError{err, string(out)}
			return
		}
		tiny.path = filepath.Join(dir, "tiny")
	})
	if tiny.err != nil {
		tb.Skipf("cannot build a test binary with the go command: %v", tiny.err)
	}
	return tiny.path
}

type buildError struct {
	err error
	out string
}

func (e *buildError) Error() string { return e.err.Error() + "\n" + e.out }

// mustModelDir writes a small model directory (the files need not load:
// the image only carries them) and returns it.
func mustModelDir(tb testing.TB, predictor string) string {
	tb.Helper()
	dir := filepath.Join(tb.TempDir(), "model")
	files := map[string]string{
		"MLmodel":                    "flavors:\n  weir:\n    predictor: predictor.json\nrun_id: abc\n",
		"predictor.json":             predictor,
		"serving_input_example.json": `{"dataframe_split": {"columns": ["x"], "data": [[1]]}}`,
		"sub/notes.txt":              "nested files keep their paths\n",
	}
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	return dir
}

// mustBuild builds an image of the tiny binary and dir.
func mustBuild(tb testing.TB, dir string) *Image {
	tb.Helper()
	img, err := Build(context.Background(), Spec{
		Binary:   mustTinyBinary(tb),
		ModelDir: dir,
		Model:    ModelInfo{Name: "bank", Version: "3", RunID: "abc", URI: "models:/bank/3"},
	})
	if err != nil {
		tb.Fatal(err)
	}
	return img
}
