//go:build !weir_serve

package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/weir-ml/weir/oci"
)

// mustFakeSource writes a module that declares Weir's path and has a
// cmd/weir: FindSource takes it for Weir's source tree, and it compiles in
// a second where Weir's serving build takes minutes.
func mustFakeSource(t *testing.T, dir string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dir, "cmd", "weir"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module "+oci.ModulePath+"\n\ngo 1.22\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	mustEditFakeSource(t, dir, "")
	return dir
}

// mustEditFakeSource rewrites the fake source's main.go with a comment,
// which changes the source without changing what it does.
func mustEditFakeSource(t *testing.T, dir, comment string) {
	t.Helper()
	src := "package main\n\n// " + comment + "\nfunc main() {}\n"
	if err := os.WriteFile(filepath.Join(dir, "cmd", "weir", "main.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
}

// mustCountingGo returns a go command that runs the real one and counts
// its builds in the returned file.
func mustCountingGo(t *testing.T) (goTool, count string) {
	t.Helper()
	real, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	dir := t.TempDir()
	count = filepath.Join(dir, "builds")
	goTool = filepath.Join(dir, "go")
	script := "#!/bin/sh\nif [ \"$1\" = build ]; then echo build >> '" + count + "'; fi\nexec '" + real + "' \"$@\"\n"
	if err := os.WriteFile(goTool, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return goTool, count
}

func builds(t *testing.T, count string) int {
	t.Helper()
	b, err := os.ReadFile(count)
	if os.IsNotExist(err) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Count(string(b), "build")
}

// notStatic writes a file that is no static Linux binary, standing for a
// weir built with cgo.
func notStatic(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "weir")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestServeBuilderCachesSourceBuilds: the serving build of a source tree
// is compiled once, with progress, kept in the cache for the next runs,
// compiled again when the source changes, and the cache keeps only the
// recent builds.
func TestServeBuilderCachesSourceBuilds(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles a small program five times")
	}
	ctx := context.Background()
	goTool, count := mustCountingGo(t)
	src := mustFakeSource(t, t.TempDir())
	cache := t.TempDir()
	find := func() (string, string) {
		t.Helper()
		var log bytes.Buffer
		b := &serveBuilder{goTool: goTool, cacheDir: cache, workDir: filepath.Join(src, "cmd"), exe: notStatic(t), log: &log, every: time.Millisecond}
		path, err := b.binary(ctx, oci.DefaultPlatform)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := oci.CheckBinary(path, oci.DefaultPlatform); err != nil {
			t.Errorf("the serving build %s: %v", path, err)
		}
		return path, log.String()
	}

	first, log := find()
	if got := builds(t, count); got != 1 {
		t.Errorf("first run: %d builds, want 1", got)
	}
	for _, want := range []string{"compiling the serving build of the source tree at " + src, "elapsed", "compiled in", "kept in " + cache} {
		if !strings.Contains(log, want) {
			t.Errorf("first run said %q, want %q in it", log, want)
		}
	}
	if !strings.HasPrefix(first, cache+string(filepath.Separator)) {
		t.Errorf("serving build at %s, want it in the cache %s", first, cache)
	}

	second, log := find()
	if got := builds(t, count); got != 1 || second != first {
		t.Errorf("second run: %d builds, binary %s; want 1 build and the cached %s", got, second, first)
	}
	if !strings.Contains(log, "built before") {
		t.Errorf("second run said %q, want it to say the build is cached", log)
	}

	mustEditFakeSource(t, src, "changed")
	third, _ := find()
	if got := builds(t, count); got != 2 || third == first {
		t.Errorf("after a source change: %d builds, binary %s; want a second build elsewhere than %s", got, third, first)
	}

	for _, c := range []string{"again", "and again"} {
		mustEditFakeSource(t, src, c)
		find()
	}
	entries, err := os.ReadDir(cache)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != serveCacheKeep {
		t.Errorf("cache holds %d entries after 4 builds, want %d", len(entries), serveCacheKeep)
	}
	if _, err := os.Stat(first); !os.IsNotExist(err) {
		t.Errorf("the least recently used build %s is still cached (%v)", first, err)
	}
}

// TestServeBuilderWithoutSource: with no source tree, a static weir serves
// as its own image binary; a dynamic one installed from a module version is
// rebuilt from the Go module cache (and cached); with neither, the error
// says how to install a static weir.
func TestServeBuilderWithoutSource(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles small programs")
	}
	ctx := context.Background()
	goTool, count := mustCountingGo(t)
	static := mustTinyStatic(t)
	modCache := t.TempDir()
	mustFakeSource(t, filepath.Join(modCache, "github.com", "weir-ml", "weir@v1.2.3"))
	cache := t.TempDir()
	nowhere := t.TempDir()

	for _, tt := range []struct {
		name       string
		exe        string
		modVersion string
		goTool     string
		want       string // the binary; "" for an error
		said       string // a fragment of what it says, or of the error
	}{
		{"static weir", static, "(devel)", goTool, static, "this weir: static"},
		{"dynamic weir, not from a module version", notStatic(t), "(devel)", goTool, "", "CGO_ENABLED=0 go install github.com/weir-ml/weir/cmd/weir@latest"},
		{"dynamic weir, no Go", notStatic(t), "v1.2.3", "", "", "no Go toolchain"},
		{"dynamic weir, version not in the module cache", notStatic(t), "v9.9.9", goTool, "", "has no github.com/weir-ml/weir@v9.9.9"},
		{"dynamic weir from a module version", notStatic(t), "v1.2.3", goTool, "cache", "github.com/weir-ml/weir@v1.2.3 from the Go module cache"},
		{"static weir, module build cached", static, "v1.2.3", goTool, "cache", "from the Go module cache, built before"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var log bytes.Buffer
			b := &serveBuilder{goTool: tt.goTool, cacheDir: cache, workDir: nowhere, exe: tt.exe, modVersion: tt.modVersion,
				modCache: modCache, log: &log, every: time.Millisecond}
			got, err := b.binary(ctx, oci.DefaultPlatform)
			said := log.String()
			if err != nil {
				said = err.Error()
			}
			switch {
			case tt.want == "" && err == nil:
				t.Errorf("got %s, want an error", got)
			case tt.want == "cache" && !strings.HasPrefix(got, cache):
				t.Errorf("got %s (%v), want a build in the cache %s", got, err, cache)
			case tt.want != "" && tt.want != "cache" && got != tt.want:
				t.Errorf("got %s (%v), want %s", got, err, tt.want)
			}
			if !strings.Contains(said, tt.said) {
				t.Errorf("said %q, want %q in it", said, tt.said)
			}
		})
	}
	if got := builds(t, count); got != 1 {
		t.Errorf("%d builds, want 1 (from the module cache, then cached)", got)
	}
}

func TestEscapeModulePath(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"github.com/weir-ml/weir", "github.com/weir-ml/weir"},
		{"github.com/BurntSushi/toml", "github.com/!burnt!sushi/toml"},
	} {
		if got := escapeModulePath(tt.in); got != tt.want {
			t.Errorf("escapeModulePath(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
