package oci

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"

	"github.com/weir-ml/weir"
)

// defaultPath is the PATH of an image whose config sets none (the one
// Docker uses).
const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// maxSymlinkHops bounds the links followed when resolving a path, as the
// kernel's limit does, so a loop of links is an error, not a hang.
const maxSymlinkHops = 40

// PythonBase is what InspectPython found in an image's file system.
type PythonBase struct {
	// Python is the path of the python3 that the image's PATH finds, after
	// symbolic links; "" when there is none.
	Python string
	// Version is the interpreter's version as its file name says
	// (python3.11 says "3.11"); "" when the name says none.
	Version string
	// Packages maps the normalised name (PEP 503: lower case, runs of
	// "-", "_" and "." as one "-") of every Python distribution installed
	// in a site-packages or dist-packages directory to its version.
	Packages map[string]string
}

// node is one file system entry of a flattened image.
type node struct {
	typ  byte // tar.TypeReg, tar.TypeDir or tar.TypeSymlink
	mode int64
	link string
}

// InspectPython reads the file system of img (its layers flattened, as a
// container sees them) and reports the python3 its PATH finds and the
// Python distributions installed anywhere in it.
func InspectPython(ctx context.Context, img v1.Image) (pb *PythonBase, err error) {
	defer weir.Wrap(&err, "oci: inspecting the base image's Python")
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	pathEnv, ok := lookupEnv(cfg.Config.Env, "PATH")
	if !ok {
		pathEnv = defaultPath
	}
	rc := mutate.Extract(img)
	defer rc.Close()
	nodes := map[string]node{}
	pb = &PythonBase{Packages: map[string]string{}}
	tr := tar.NewReader(rc)
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			// Extract writes the end of the archive even when a layer
			// fails, then reports the failure: read on to see it.
			if _, err := io.Copy(io.Discard, rc); err != nil {
				return nil, fmt.Errorf("reading the layers: %w", err)
			}
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading the layers: %w", err)
		}
		name := cleanEntry(h.Name)
		if name == "" {
			continue
		}
		// Parents a layer does not list are directories all the same.
		for d := path.Dir(name); d != "." && nodes[d].typ == 0; d = path.Dir(d) {
			nodes[d] = node{typ: tar.TypeDir, mode: 0o755}
		}
		switch h.Typeflag {
		case tar.TypeDir, tar.TypeReg, tar.TypeSymlink:
			nodes[name] = node{typ: h.Typeflag, mode: h.Mode, link: h.Linkname}
		case tar.TypeLink: // a hard link is the file it links to
			if n, ok := nodes[cleanEntry(h.Linkname)]; ok {
				nodes[name] = n
			}
		}
		if n, v, ok := distribution(name); ok {
			pb.Packages[n] = v
		}
	}
	for _, dir := range filepath.SplitList(pathEnv) {
		if !strings.HasPrefix(dir, "/") {
			continue // a relative PATH entry depends on the working directory
		}
		p, n, err := resolve(nodes, path.Join(dir, "python3"))
		if err == nil && n.typ == tar.TypeReg && n.mode&0o111 != 0 {
			pb.Python = p
			pb.Version = strings.TrimPrefix(path.Base(p), "python")
			if !versionName.MatchString(pb.Version) {
				pb.Version = ""
			}
			break
		}
	}
	return pb, nil
}

var versionName = regexp.MustCompile(`^[0-9]+\.[0-9]+$`)

// cleanEntry returns a layer entry's path without "./" or "/" in front
// and without a trailing "/"; "" for the root.
func cleanEntry(name string) string {
	name = path.Clean("/" + name)
	return strings.TrimPrefix(name, "/")
}

// resolve follows symbolic links in every component of p (absolute),
// as the kernel does, and returns the final path and its node.
func resolve(nodes map[string]node, p string) (string, node, error) {
	hops := 0
	parts := strings.Split(strings.Trim(p, "/"), "/")
	cur := ""
	for i := 0; i < len(parts); i++ {
		switch parts[i] {
		case "", ".":
			continue
		case "..":
			if cur = path.Dir(cur); cur == "." {
				cur = ""
			}
			continue
		}
		next := path.Join(cur, parts[i])
		n, ok := nodes[next]
		if !ok {
			return "", node{}, fs.ErrNotExist
		}
		if n.typ != tar.TypeSymlink {
			cur = next
			continue
		}
		if hops++; hops > maxSymlinkHops {
			return "", node{}, fmt.Errorf("%s: too many levels of symbolic links", p)
		}
		target := n.link
		if !strings.HasPrefix(target, "/") {
			target = path.Join("/", cur, target)
		}
		rest := append(strings.Split(strings.Trim(path.Clean(target), "/"), "/"), parts[i+1:]...)
		parts, cur, i = rest, "", -1
	}
	n, ok := nodes[cur]
	if !ok || cur == "" {
		return "", node{}, fs.ErrNotExist
	}
	return "/" + cur, n, nil
}

// distribution recognises the metadata directory of an installed Python
// distribution (NAME-VERSION.dist-info, or NAME-VERSION[-pyX.Y].egg-info)
// in a site-packages or dist-packages directory, from any path inside it.
func distribution(name string) (dist, version string, ok bool) {
	parts := strings.Split(name, "/")
	for i := 1; i < len(parts); i++ {
		if parts[i-1] != "site-packages" && parts[i-1] != "dist-packages" {
			continue
		}
		return parseDistDir(parts[i])
	}
	return "", "", false
}

func parseDistDir(base string) (dist, version string, ok bool) {
	var stem string
	switch {
	case strings.HasSuffix(base, ".dist-info"):
		stem = strings.TrimSuffix(base, ".dist-info")
	case strings.HasSuffix(base, ".egg-info"):
		stem = strings.TrimSuffix(base, ".egg-info")
	default:
		return "", "", false
	}
	n, rest, ok := strings.Cut(stem, "-")
	if !ok || n == "" || rest == "" {
		return "", "", false
	}
	v, _, _ := strings.Cut(rest, "-") // egg-info: VERSION-pyX.Y
	return normaliseDist(n), v, true
}

var distSeparators = regexp.MustCompile(`[-_.]+`)

// normaliseDist is PEP 503's normalised form of a distribution name.
func normaliseDist(name string) string {
	return distSeparators.ReplaceAllString(strings.ToLower(name), "-")
}

// AddLocalPackages adds the distributions installed in the local
// directory dir (as `pip install --target dir` leaves them) to b.Packages.
func (b *PythonBase) AddLocalPackages(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return weir.Errorf(weir.ErrInvalidParameterValue, "Python packages directory %s: %v", dir, err)
	}
	for _, e := range entries {
		if n, v, ok := parseDistDir(e.Name()); ok && e.IsDir() {
			b.Packages[n] = v
		}
	}
	return nil
}

// requirementLine is one requirement of a requirements.txt: a name,
// optional extras, an optional version specifier and an optional marker.
var requirementLine = regexp.MustCompile(`^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*([^;]*)(;.*)?$`)

// Check says whether a model with the given requirements.txt can be
// served by b. It is an error when b has no python3 on its PATH or no
// mlflow; the warnings name requirements that are not installed, or whose
// pinned (==) version differs from the installed one, since the model may
// still load without them. Requirements with environment markers, and
// installer options, are not checked.
func (b *PythonBase) Check(requirements []byte) (warnings []string, err error) {
	if b.Python == "" {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue,
			"the base image has no python3 on its PATH: use a base with Python and mlflow installed (for instance one built from the Dockerfile that generate-dockerfile writes)")
	}
	if b.Packages["mlflow"] == "" && b.Packages["mlflow-skinny"] == "" {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue,
			"the base image's Python (%s) has no mlflow installed: the model's Python workers load it with mlflow.pyfunc; install mlflow and the model's requirements in the base", b.Python)
	}
	for _, line := range strings.Split(string(requirements), "\n") {
		if i := strings.Index(line, "#"); i >= 0 {
			line = line[:i]
		}
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "-") {
			continue
		}
		m := requirementLine.FindStringSubmatch(line)
		if m == nil || m[4] != "" {
			continue
		}
		name, spec := normaliseDist(m[1]), strings.TrimSpace(m[3])
		have, ok := b.Packages[name]
		if !ok && name == "mlflow" {
			have, ok = b.Packages["mlflow-skinny"]
		}
		switch {
		case !ok:
			warnings = append(warnings, fmt.Sprintf("the model requires %s, which the base image does not have", line))
		case strings.HasPrefix(spec, "==") && !strings.ContainsAny(spec, "*,") && strings.TrimSpace(spec[2:]) != have:
			warnings = append(warnings, fmt.Sprintf("the model requires %s; the base image has %s %s", line, m[1], have))
		}
	}
	sort.Strings(warnings)
	return warnings, nil
}
