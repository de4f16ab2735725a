package mlmodel

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/artifact"
)

// Files is an Uploader and Downloader for processes that hold the artifact
// storage themselves (cmd/weir without a remote tracking server, tests):
// plain paths and file: URIs are on the local file system, and
// mlflow-artifacts: URIs are paths in Proxied, the store behind the
// server's artifact proxy. Other schemes are an error.
type Files struct {
	Proxied artifact.Store
}

var (
	_ Uploader   = Files{}
	_ Downloader = Files{}
)

// location is where an artifact URI points: a local directory, or a path
// in the proxied store.
type location struct {
	local string // when not ""
	store string
}

func (f Files) locate(uri string) (location, error) {
	switch scheme(uri) {
	case "":
		return location{local: uri}, nil
	case "file":
		u, err := url.Parse(uri)
		if err != nil {
			return location{}, weir.Errorf(weir.ErrInvalidParameterValue, "bad file URI %q: %v", uri, err)
		}
		return location{local: u.Path}, nil
	case "mlflow-artifacts":
		if f.Proxied == nil {
			return location{}, weir.Errorf(weir.ErrInvalidParameterValue, "no artifact store for %s", uri)
		}
		u, err := url.Parse(uri)
		if err != nil {
			return location{}, weir.Errorf(weir.ErrInvalidParameterValue, "bad artifact URI %q: %v", uri, err)
		}
		p := strings.Trim(u.Path, "/")
		if p != "" {
			if p, err = artifact.CleanPath(p); err != nil {
				return location{}, err
			}
		}
		return location{store: p}, nil
	}
	return location{}, weir.Errorf(weir.ErrInvalidParameterValue, "artifact URI %q: scheme %q is not supported here", uri, scheme(uri))
}

// Upload writes r to rel under uri.
func (f Files) Upload(ctx context.Context, uri, rel string, r io.Reader) error {
	rel, err := artifact.CleanPath(rel)
	if err != nil {
		return err
	}
	loc, err := f.locate(uri)
	if err != nil {
		return err
	}
	if loc.local == "" {
		return f.Proxied.Put(ctx, path.Join(loc.store, rel), r)
	}
	dst := filepath.Join(loc.local, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	return writeFile(dst, r)
}

// Download copies every file under uri into destDir.
func (f Files) Download(ctx context.Context, uri, destDir string) error {
	loc, err := f.locate(uri)
	if err != nil {
		return err
	}
	if loc.local != "" {
		return copyDir(loc.local, destDir)
	}
	return f.downloadStore(ctx, loc.store, destDir)
}

func (f Files) downloadStore(ctx context.Context, dir, destDir string) error {
	entries, err := f.Proxied.List(ctx, dir)
	if err != nil {
		return err
	}
	if len(entries) == 0 {
		return weir.Errorf(weir.ErrResourceDoesNotExist, "no artifacts under %q", dir)
	}
	for _, e := range entries {
		rel := strings.TrimPrefix(strings.TrimPrefix(e.Path, dir), "/")
		dst := filepath.Join(destDir, filepath.FromSlash(rel))
		if e.IsDir {
			if err := f.downloadStore(ctx, e.Path, dst); err != nil {
				return err
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		rc, err := f.Proxied.Open(ctx, e.Path)
		if err != nil {
			return err
		}
		err = writeFile(dst, rc)
		rc.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

func copyDir(src, dst string) error {
	if st, err := os.Stat(src); err != nil || !st.IsDir() {
		return weir.Errorf(weir.ErrResourceDoesNotExist, "no artifact directory at %s", src)
	}
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil // symlinks and devices are not model files
		}
		in, err := os.Open(p)
		if err != nil {
			return err
		}
		defer in.Close()
		return writeFile(target, in)
	})
}

func writeFile(dst string, r io.Reader) error {
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, r); err != nil {
		out.Close()
		return fmt.Errorf("writing %s: %w", dst, err)
	}
	return out.Close()
}
