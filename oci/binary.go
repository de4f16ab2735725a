package oci

import (
	"bytes"
	"context"
	"debug/buildinfo"
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/weir-ml/weir"
)

// ModulePath is the Go module whose cmd/weir BuildBinary compiles.
const ModulePath = "github.com/weir-ml/weir"

// ServeTag is the build tag of weir's serving build: `weir models serve`
// and `weir models ping` only, without the tracking server, its database
// drivers, S3 or the web UI, which an image never runs. It makes the binary
// (and the image) about a third of the full one's size.
const ServeTag = "weir_serve"

// FindSource returns the root of Weir's module source at or above dir: the
// first directory with a go.mod declaring ModulePath. It returns "" when
// there is none.
func FindSource(dir string) string {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return ""
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && modulePath(b) == ModulePath {
			if st, err := os.Stat(filepath.Join(dir, "cmd", "weir")); err == nil && st.IsDir() {
				return dir
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

func modulePath(gomod []byte) string {
	for _, line := range strings.Split(string(gomod), "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == "module" {
			return strings.Trim(f[1], `"`)
		}
	}
	return ""
}

// BuildBinary compiles the serving build of the weir command (ServeTag) in
// the module at srcDir into dst, as a static binary for platform:
// CGO_ENABLED=0, -trimpath and stripped of symbol tables, so the same
// source gives the same bytes. goTool is the go
// command to run ("" means "go" on PATH).
func BuildBinary(ctx context.Context, goTool, srcDir string, p Platform, dst string) error {
	if goTool == "" {
		goTool = "go"
	}
	abs, err := filepath.Abs(dst)
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, goTool, "build", "-trimpath", "-tags", ServeTag, "-ldflags", "-s -w", "-o", abs, "./cmd/weir")
	cmd.Dir = srcDir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+p.OS, "GOARCH="+p.Architecture)
	if p.Architecture == "arm" && p.Variant != "" {
		cmd.Env = append(cmd.Env, "GOARM="+strings.TrimPrefix(p.Variant, "v"))
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build of %s/cmd/weir for %s: %v\n%s", srcDir, p, err, stderr.Bytes())
	}
	return nil
}

// elfMachines maps GOARCH to the ELF machine its binaries declare.
var elfMachines = map[string]elf.Machine{
	"amd64":   elf.EM_X86_64,
	"arm64":   elf.EM_AARCH64,
	"arm":     elf.EM_ARM,
	"386":     elf.EM_386,
	"ppc64le": elf.EM_PPC64,
	"s390x":   elf.EM_S390,
	"riscv64": elf.EM_RISCV,
}

// CheckBinary returns the Go build information of the binary at path after
// checking that it can run in an image with nothing else in it: a Linux
// ELF executable for p's architecture, built with CGO_ENABLED=0 and without
// a dynamic loader.
func CheckBinary(path string, p Platform) (*debug.BuildInfo, error) {
	f, err := elf.Open(path)
	if err != nil {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "%s is not a Linux (ELF) executable: %v", path, err)
	}
	defer f.Close()
	if want, ok := elfMachines[p.Architecture]; ok && f.Machine != want {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "%s is built for %v, not %s", path, f.Machine, p)
	}
	for _, prog := range f.Progs {
		if prog.Type == elf.PT_INTERP {
			return nil, weir.Errorf(weir.ErrInvalidParameterValue, "%s is dynamically linked; build it with CGO_ENABLED=0", path)
		}
	}
	bi, err := buildinfo.ReadFile(path)
	if err != nil {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "%s has no Go build information: %v", path, err)
	}
	settings := map[string]string{}
	for _, s := range bi.Settings {
		settings[s.Key] = s.Value
	}
	if settings["GOOS"] != "" && settings["GOOS"] != p.OS {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "%s is built for GOOS=%s, not %s", path, settings["GOOS"], p.OS)
	}
	if settings["GOARCH"] != "" && settings["GOARCH"] != p.Architecture {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "%s is built for GOARCH=%s, not %s", path, settings["GOARCH"], p.Architecture)
	}
	if settings["CGO_ENABLED"] == "1" {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "%s is built with CGO_ENABLED=1; build it with CGO_ENABLED=0", path)
	}
	return bi, nil
}

// IsServeBuild reports whether bi is that of a binary built with ServeTag.
func IsServeBuild(bi *debug.BuildInfo) bool {
	for _, s := range bi.Settings {
		if s.Key == "-tags" && slices.Contains(strings.Split(s.Value, ","), ServeTag) {
			return true
		}
	}
	return false
}

// Revision returns the VCS revision recorded in a binary's build
// information, with "-dirty" appended when the tree had local changes, or
// "" when none was recorded (as with -buildvcs=false).
func Revision(bi *debug.BuildInfo) string {
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if rev != "" && modified == "true" {
		rev += "-dirty"
	}
	return rev
}
