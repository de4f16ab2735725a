package oci

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/weir-ml/weir"
)

// IsLocalBase reports whether a --base value names a local image (an
// existing file or directory, or something written as a path) rather than
// an image in a registry.
func IsLocalBase(ref string) bool {
	if _, err := os.Stat(ref); err == nil {
		return true
	}
	return strings.HasPrefix(ref, "/") || strings.HasPrefix(ref, "./") || strings.HasPrefix(ref, "../") ||
		strings.HasSuffix(ref, ".tar")
}

// ReadBase reads a base image from the local path src for platform p:
//   - an OCI image layout directory (oci-layout, index.json, blobs/);
//   - a tarball in the format `docker save` writes (manifest.json);
//   - an OCI archive, a tar of an OCI image layout, which is unpacked
//     into tmp (which must outlive the image's use).
//
// A layout holding several images uses the one for p; more than one image
// for p is an error naming them. Nothing is read from the network.
func ReadBase(src string, p Platform, tmp string) (img v1.Image, err error) {
	defer weir.Wrap(&err, "oci: reading base image %s", src)
	st, err := os.Stat(src)
	if err != nil {
		return nil, weir.Errorf(weir.ErrResourceDoesNotExist, "%v", err)
	}
	if st.IsDir() {
		return readLayout(src, p)
	}
	kind, err := tarKind(src)
	if err != nil {
		return nil, err
	}
	switch kind {
	case "docker":
		img, err := tarball.ImageFromPath(src, nil)
		if err != nil {
			return nil, weir.Errorf(weir.ErrInvalidParameterValue, "not a readable docker save tarball: %v", err)
		}
		return img, nil
	default:
		dir, err := os.MkdirTemp(tmp, "base-layout-")
		if err != nil {
			return nil, err
		}
		if err := unpackLayout(src, dir); err != nil {
			return nil, err
		}
		return readLayout(dir, p)
	}
}

// tarKind tells a docker save tarball ("docker": it has manifest.json,
// which docker 25 and later write beside an OCI layout) from an OCI
// archive ("oci": index.json without manifest.json).
func tarKind(src string) (string, error) {
	f, err := os.Open(src)
	if err != nil {
		return "", err
	}
	defer f.Close()
	var magic [2]byte
	if _, err := io.ReadFull(f, magic[:]); err == nil && magic == [2]byte{0x1f, 0x8b} {
		return "", weir.Errorf(weir.ErrInvalidParameterValue, "%s is gzip-compressed; give the tar itself (gunzip it first)", src)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return "", err
	}
	tr := tar.NewReader(f)
	index := false
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", weir.Errorf(weir.ErrInvalidParameterValue, "%s is not a tar file: %v", src, err)
		}
		switch cleanEntry(h.Name) {
		case "manifest.json":
			return "docker", nil
		case "index.json":
			index = true
		}
	}
	if index {
		return "oci", nil
	}
	return "", weir.Errorf(weir.ErrInvalidParameterValue,
		"%s holds neither manifest.json (docker save) nor index.json (OCI archive): not an image tarball", src)
}

// layoutEntry is a file an OCI layout consists of.
var layoutEntry = regexp.MustCompile(`^(oci-layout|index\.json|blobs/[a-z0-9]+/[a-f0-9]{32,128})$`)

// unpackLayout writes the layout files of the OCI archive src into dir.
// Only the layout's own files are written, at names checked against the
// layout's shape, so an archive cannot write outside dir.
func unpackLayout(src, dir string) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return weir.Errorf(weir.ErrInvalidParameterValue, "%s: %v", src, err)
		}
		name := cleanEntry(h.Name)
		if h.Typeflag != tar.TypeReg || !layoutEntry.MatchString(name) {
			continue
		}
		dst := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		out, err := os.OpenFile(dst, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
		if err != nil {
			return err
		}
		_, err = io.CopyN(out, tr, h.Size)
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return weir.Errorf(weir.ErrInvalidParameterValue, "%s: entry %s: %v", src, name, err)
		}
	}
}

// readLayout returns the image for p in the OCI layout at dir.
func readLayout(dir string, p Platform) (v1.Image, error) {
	if _, err := os.Stat(filepath.Join(dir, "index.json")); err != nil {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "%s has no index.json: not an OCI image layout directory", dir)
	}
	idx, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "%s is not a readable OCI image layout: %v", dir, err)
	}
	var found []candidate
	var seen []string
	if err := collectImages(idx, p, "", 0, &found, &seen); err != nil {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "%s is not a readable OCI image layout: %v", dir, err)
	}
	found = uniqueCandidates(found)
	switch len(found) {
	case 0:
		sort.Strings(seen)
		what := "no images"
		if len(seen) > 0 {
			what = "images for " + strings.Join(seen, ", ")
		}
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "%s holds %s, none for %s", dir, what, p)
	case 1:
		return found[0].img, nil
	}
	var names []string
	for _, c := range found {
		names = append(names, c.describe())
	}
	return nil, weir.Errorf(weir.ErrInvalidParameterValue,
		"%s holds %d images for %s (%s): keep only the base in it", dir, len(found), p, strings.Join(names, "; "))
}

// candidate is an image of a layout that matches the platform.
type candidate struct {
	img    v1.Image
	digest v1.Hash
	name   string // the org.opencontainers.image.ref.name annotation
}

func (c candidate) describe() string {
	if c.name != "" {
		return c.name + " " + c.digest.String()
	}
	return c.digest.String()
}

func uniqueCandidates(cs []candidate) []candidate {
	var out []candidate
	seen := map[v1.Hash]bool{}
	for _, c := range cs {
		if !seen[c.digest] {
			seen[c.digest] = true
			out = append(out, c)
		}
	}
	return out
}

// maxIndexDepth bounds nested indexes, so a layout whose index refers to
// itself is an error rather than a loop.
const maxIndexDepth = 8

// collectImages appends the images of idx (and of the indexes it holds)
// that are for p to found, and the platforms of the others to seen.
// Artifacts (an SBOM, attestations), whose config names no OS, are
// neither.
func collectImages(idx v1.ImageIndex, p Platform, name string, depth int, found *[]candidate, seen *[]string) error {
	if depth > maxIndexDepth {
		return weir.Errorf(weir.ErrInvalidParameterValue, "image indexes nested more than %d deep", maxIndexDepth)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return err
	}
	for _, d := range im.Manifests {
		n := name
		if a := d.Annotations[refNameAnnotation]; a != "" {
			n = a
		}
		switch {
		case d.MediaType.IsIndex():
			child, err := idx.ImageIndex(d.Digest)
			if err != nil {
				return fmt.Errorf("index %s: %w", d.Digest, err)
			}
			if err := collectImages(child, p, n, depth+1, found, seen); err != nil {
				return err
			}
		case d.MediaType.IsImage():
			if d.Platform != nil && d.Platform.OS == "unknown" { // attestations
				continue
			}
			img, err := idx.Image(d.Digest)
			if err != nil {
				return fmt.Errorf("image %s: %w", d.Digest, err)
			}
			cfg, err := img.ConfigFile()
			if err != nil {
				return fmt.Errorf("image %s: %w", d.Digest, err)
			}
			if cfg.OS == "" { // an artifact with an empty config
				continue
			}
			got := Platform{OS: cfg.OS, Architecture: cfg.Architecture, Variant: cfg.Variant}
			if got.OS == p.OS && got.Architecture == p.Architecture && (p.Variant == "" || got.Variant == p.Variant) {
				*found = append(*found, candidate{img: img, digest: d.Digest, name: n})
			} else {
				*seen = append(*seen, got.String())
			}
		}
	}
	return nil
}
