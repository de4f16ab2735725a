//go:build !weir_serve

package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/weir-ml/weir/oci"
)

// serveCacheKeep is how many serving builds the cache keeps: one per
// source version (and Go version and platform) recently used.
const serveCacheKeep = 3

// serveBuilder finds the weir binary a model image runs, fast after the
// first time. In order:
//
//   - a source tree of Weir around workDir: its serving build (-tags
//     weir_serve), compiled once per version of the source, Go version
//     and platform, and kept in cacheDir for the runs after;
//   - no source tree: that build of this weir's module version from the
//     Go module cache, when it is already in cacheDir;
//   - else this weir itself, when it is a static Linux binary for the
//     platform (a full build: it serves the same, in a bigger image);
//   - else the serving build compiled from the Go module cache (where
//     `go install github.com/weir-ml/weir/cmd/weir@VERSION` put the
//     source), kept in cacheDir.
//
// It says on log which one it took and, while compiling, how long it has
// been at it.
type serveBuilder struct {
	goTool     string        // the go command; "" looks it up on PATH
	cacheDir   string        // where built binaries are kept
	workDir    string        // where a source tree is looked for
	exe        string        // this weir
	modVersion string        // this weir's module version, "(devel)" from a source tree
	modCache   string        // GOMODCACHE; "" asks the go command
	log        io.Writer     // what was chosen, and the build's progress
	every      time.Duration // how often a build reports progress
}

// newServeBuilder returns a serveBuilder for this process: the working
// directory, the running executable and the user's cache directory.
func newServeBuilder(g *globals) *serveBuilder {
	b := &serveBuilder{log: g.stderr, every: 5 * time.Second}
	b.workDir, _ = os.Getwd()
	b.exe, _ = os.Executable()
	if dir, err := os.UserCacheDir(); err == nil {
		b.cacheDir = filepath.Join(dir, "weir", "serve-build")
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Path == oci.ModulePath {
		b.modVersion = bi.Main.Version
	}
	if goTool, err := lookPath("go"); err == nil {
		b.goTool = goTool
	}
	return b
}

// binary returns the path of a weir binary for platform p.
func (b *serveBuilder) binary(ctx context.Context, p oci.Platform) (string, error) {
	if src := oci.FindSource(b.workDir); src != "" && b.goTool != "" {
		return b.cachedBuild(ctx, src, "the source tree at "+src, p)
	}
	modDir, modErr := b.moduleSource(ctx)
	if modErr == nil {
		if path, ok := b.cacheHit(ctx, modDir, p); ok {
			fmt.Fprintf(b.log, "weir binary: the serving build of %s@%s from the Go module cache, built before: %s\n", oci.ModulePath, b.modVersion, path)
			return path, nil
		}
	}
	bi, staticErr := oci.CheckBinary(b.exe, p)
	if staticErr == nil {
		kind := "the serving build"
		if !oci.IsServeBuild(bi) {
			kind = "a full build: it serves the same, in an image about three times the serving build's"
		}
		fmt.Fprintf(b.log, "weir binary: %s (this weir: static, for %s; %s)\n", b.exe, p, kind)
		return b.exe, nil
	}
	if modErr == nil {
		return b.cachedBuild(ctx, modDir, oci.ModulePath+"@"+b.modVersion+" from the Go module cache", p)
	}
	return "", fmt.Errorf("no weir binary for %s: no Weir source tree here, %s cannot go in the image (%s), and %v; "+
		"install a static weir with `CGO_ENABLED=0 go install %s/cmd/weir@latest`, or pass --weir-binary",
		p, b.exe, safeMessage(staticErr), modErr, oci.ModulePath)
}

// moduleSource returns the directory of this weir's module version in the
// Go module cache.
func (b *serveBuilder) moduleSource(ctx context.Context) (string, error) {
	if b.goTool == "" {
		return "", errors.New("there is no Go toolchain to build one")
	}
	if b.modVersion == "" || b.modVersion == "(devel)" {
		return "", errors.New("this weir was not installed from a module version (go install ...@VERSION) whose source the Go module cache would hold")
	}
	cache := b.modCache
	if cache == "" {
		out, err := exec.CommandContext(ctx, b.goTool, "env", "GOMODCACHE").Output()
		if err != nil {
			return "", fmt.Errorf("go env GOMODCACHE: %v", err)
		}
		cache = strings.TrimSpace(string(out))
	}
	dir := filepath.Join(cache, escapeModulePath(oci.ModulePath)+"@"+b.modVersion)
	if st, err := os.Stat(filepath.Join(dir, "cmd", "weir")); err != nil || !st.IsDir() {
		return "", fmt.Errorf("the Go module cache has no %s@%s", oci.ModulePath, b.modVersion)
	}
	return dir, nil
}

// escapeModulePath writes a module path as the module cache does: each
// capital letter as '!' and its lower case.
func escapeModulePath(path string) string {
	var s strings.Builder
	for _, r := range path {
		if unicode.IsUpper(r) {
			s.WriteByte('!')
			r = unicode.ToLower(r)
		}
		s.WriteRune(r)
	}
	return s.String()
}

// cacheHit returns the cached serving build of the source at src for p,
// if there is a good one.
func (b *serveBuilder) cacheHit(ctx context.Context, src string, p oci.Platform) (string, bool) {
	if b.cacheDir == "" {
		return "", false
	}
	key, _, err := b.sourceKey(ctx, src, p)
	if err != nil {
		return "", false
	}
	path := filepath.Join(b.cacheDir, key, "weir")
	if _, err := oci.CheckBinary(path, p); err != nil {
		return "", false
	}
	now := time.Now()
	os.Chtimes(filepath.Dir(path), now, now) // most recently used: pruned last
	return path, true
}

// cachedBuild returns the serving build of the source at src for p from
// the cache, compiling it there first when it is missing.
func (b *serveBuilder) cachedBuild(ctx context.Context, src, what string, p oci.Platform) (string, error) {
	if path, ok := b.cacheHit(ctx, src, p); ok {
		fmt.Fprintf(b.log, "weir binary: the serving build of %s, built before for this source and Go version: %s\n", what, path)
		return path, nil
	}
	key, pkgs, err := b.sourceKey(ctx, src, p)
	if err != nil {
		return "", err
	}
	if b.cacheDir == "" {
		tmp, err := os.MkdirTemp("", "weir-serve-build-")
		if err != nil {
			return "", err
		}
		// Nowhere to keep it: the caller's image is built before the
		// process ends, and the OS clears its temporary directory.
		out := filepath.Join(tmp, "weir")
		return out, b.build(ctx, src, what, pkgs, p, out)
	}
	if err := os.MkdirAll(b.cacheDir, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(b.cacheDir, ".build-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	if err := b.build(ctx, src, what, pkgs, p, filepath.Join(tmp, "weir")); err != nil {
		return "", err
	}
	dir := filepath.Join(b.cacheDir, key)
	// Another weir may have finished the same build meanwhile: either copy
	// is good, and the rename is atomic.
	if err := os.Rename(tmp, dir); err != nil {
		if _, statErr := os.Stat(filepath.Join(dir, "weir")); statErr != nil {
			return "", err
		}
	}
	fmt.Fprintf(b.log, "weir binary: kept in %s for the next runs\n", dir)
	b.prune()
	return filepath.Join(dir, "weir"), nil
}

// build compiles the serving build of src into out, reporting every few
// seconds how long it has taken, as the first build takes minutes on a
// small machine.
func (b *serveBuilder) build(ctx context.Context, src, what string, pkgs int, p oci.Platform, out string) error {
	fmt.Fprintf(b.log, "weir binary: compiling the serving build of %s for %s: %d packages, CGO_ENABLED=0 go build -trimpath -tags %s (the first time takes a minute or more)\n",
		what, p, pkgs, oci.ServeTag)
	start := time.Now()
	done := make(chan error, 1)
	go func() { done <- oci.BuildBinary(ctx, b.goTool, src, p, out) }()
	// On a terminal one line counts the seconds; in a log, a line every
	// few seconds.
	every, end := b.every, "\n"
	if isTerminal(b.log) {
		every, end = time.Second, ""
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			if end == "" {
				fmt.Fprintln(b.log)
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(b.log, "weir binary: compiled in %s\n", time.Since(start).Round(100*time.Millisecond))
			return nil
		case <-tick.C:
			if end == "" {
				fmt.Fprint(b.log, "\r")
			}
			fmt.Fprintf(b.log, "weir binary: compiling the serving build, %s elapsed%s", time.Since(start).Round(time.Second), end)
		}
	}
}

// isTerminal reports whether w is a terminal, where a line can be
// rewritten in place.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// sourceKey hashes what the serving build of src for p is made of: the Go
// version, the platform and flags, the version of every module it links
// and the content of every file of the packages whose source is local. It
// also returns how many packages the build has. `go list` answers in a
// fraction of a second, where the build takes minutes.
func (b *serveBuilder) sourceKey(ctx context.Context, src string, p oci.Platform) (string, int, error) {
	env := append(os.Environ(), "CGO_ENABLED=0", "GOOS="+p.OS, "GOARCH="+p.Architecture)
	if p.Architecture == "arm" && p.Variant != "" {
		env = append(env, "GOARM="+strings.TrimPrefix(p.Variant, "v"))
	}
	run := func(args ...string) ([]byte, error) {
		cmd := exec.CommandContext(ctx, b.goTool, args...)
		cmd.Dir, cmd.Env = src, env
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return nil, fmt.Errorf("go %s in %s: %v: %s", args[0], src, err, firstLine(stderr.String()))
		}
		return out, nil
	}
	version, err := run("env", "GOVERSION")
	if err != nil {
		return "", 0, err
	}
	// One line per package: import path, whether it is in the standard
	// library, its module (and replacement) and its files.
	const format = `{{.ImportPath}}	{{.Standard}}	{{with .Module}}{{.Path}}@{{.Version}}{{with .Replace}}={{.Path}}@{{.Version}}{{end}}{{end}}	{{.Dir}}	{{join .GoFiles " "}} {{join .SFiles " "}} {{join .EmbedFiles " "}}`
	list, err := run("list", "-deps", "-tags", oci.ServeTag, "-f", format, "./cmd/weir")
	if err != nil {
		return "", 0, err
	}
	h := sha256.New()
	fmt.Fprintf(h, "weir serving build 1\n%s%s\n-trimpath -tags %s -ldflags=-s -w\n", version, p, oci.ServeTag)
	if gomod, err := os.ReadFile(filepath.Join(src, "go.mod")); err == nil {
		h.Write(gomod)
	}
	lines := strings.Split(strings.TrimSpace(string(list)), "\n")
	for _, line := range lines {
		f := strings.SplitN(line, "\t", 5)
		if len(f) != 5 {
			return "", 0, fmt.Errorf("go list in %s: unexpected line %q", src, line)
		}
		fmt.Fprintf(h, "%s %s %s\n", f[0], f[1], f[2])
		// A module version names its content; the standard library comes
		// with the Go version. Anything else is read file by file.
		if f[1] == "true" || versioned(f[2]) {
			continue
		}
		names := strings.Fields(f[4])
		sort.Strings(names)
		for _, name := range names {
			content, err := os.ReadFile(filepath.Join(f[3], name))
			if err != nil {
				return "", 0, err
			}
			sum := sha256.Sum256(content)
			fmt.Fprintf(h, "  %s %x\n", name, sum)
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:32], len(lines), nil
}

// versioned reports whether a go list module field (path@version, or
// path@version=replacement@version) names fixed content: a module version,
// not the main module or a local replacement, which have none.
func versioned(module string) bool {
	if module == "" {
		return false
	}
	if _, repl, ok := strings.Cut(module, "="); ok {
		module = repl
	}
	_, v, _ := strings.Cut(module, "@")
	return v != ""
}

// prune removes the least recently used serving builds beyond
// serveCacheKeep.
func (b *serveBuilder) prune() {
	entries, err := os.ReadDir(b.cacheDir)
	if err != nil {
		return
	}
	type entry struct {
		name string
		used time.Time
	}
	var builds []entry
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		if info, err := e.Info(); err == nil {
			builds = append(builds, entry{e.Name(), info.ModTime()})
		}
	}
	sort.Slice(builds, func(i, j int) bool { return builds[i].used.After(builds[j].used) })
	for _, e := range builds[min(len(builds), serveCacheKeep):] {
		os.RemoveAll(filepath.Join(b.cacheDir, e.name))
	}
}
