package artifact

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"github.com/weir-ml/weir"
)

// Dir is a Store on a local directory. Files are written to a temporary file
// beside their destination and renamed into place, so readers never see a
// partial file and a failed upload leaves nothing behind. Symbolic links that
// lead outside the root are not followed.
type Dir struct {
	// Root is the directory that holds the artifacts.
	Root string
	// Sync makes Put flush each file, and the directories that name it, to
	// stable storage before it returns, so that a stored artifact survives
	// a power loss or an operating-system crash. It is off by default, as
	// in MLflow's local artifact repository and most artifact stores on
	// POSIX files: without it an upload is a copy into the page cache, with
	// it a disk write that the caller waits for. While the system runs,
	// readers see whole files either way; after a crash, files uploaded in
	// the last moments before it may be missing, empty or partial unless
	// Sync was set.
	Sync bool
}

var _ Store = (*Dir)(nil)

// NewDir returns a Store rooted at root; the directory is created on first
// write.
func NewDir(root string) *Dir { return &Dir{Root: root} }

// resolve checks p and returns its path on disk, refusing any path whose
// existing parts resolve (through symbolic links) outside the root.
func (d *Dir) resolve(p string) (string, error) {
	c, err := CleanPath(p)
	if err != nil {
		return "", err
	}
	full := filepath.Join(d.Root, filepath.FromSlash(c))
	// The root must exist so that the walk below stops at it.
	if err := os.MkdirAll(d.Root, 0o755); err != nil {
		return "", err
	}
	root, err := filepath.EvalSymlinks(d.Root)
	if err != nil {
		return "", err
	}
	if root, err = filepath.Abs(root); err != nil {
		return "", err
	}
	// Resolve the longest existing prefix of full and check it stays inside.
	probe := full
	for {
		real, err := filepath.EvalSymlinks(probe)
		if err == nil {
			abs, _ := filepath.Abs(real)
			if abs != root && !strings.HasPrefix(abs, root+string(filepath.Separator)) {
				return "", weir.Errorf(weir.ErrInvalidParameterValue, "Invalid path: %q leads outside the artifact root.", p)
			}
			break
		}
		parent := filepath.Dir(probe)
		if parent == probe {
			break
		}
		probe = parent
	}
	return full, nil
}

// Put implements Store.
func (d *Dir) Put(ctx context.Context, p string, r io.Reader) (err error) {
	defer weir.Wrap(&err, "artifact.Dir.Put(%q)", p)
	full, err := d.resolve(p)
	if err != nil {
		return err
	}
	if full == filepath.Clean(d.Root) {
		return weir.Errorf(weir.ErrInvalidParameterValue, "Invalid path: an artifact needs a file name.")
	}
	if st, err := os.Stat(full); err == nil && st.IsDir() {
		return weir.Errorf(weir.ErrInvalidParameterValue, "Artifact %q is a directory.", p)
	}
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		return dirConflict(p, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(full), ".upload-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = copyBody(ctx, tmp, r); err != nil {
		return err
	}
	if d.Sync {
		if err = tmp.Sync(); err != nil {
			return err
		}
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = replaceFile(tmp.Name(), full); err != nil {
		return err
	}
	if d.Sync {
		return syncDirs(filepath.Dir(full), filepath.Clean(d.Root))
	}
	return nil
}

// Open implements Store.
func (d *Dir) Open(ctx context.Context, p string) (io.ReadCloser, error) {
	full, err := d.resolve(p)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(full)
	if notExist(err) {
		return nil, weir.Errorf(weir.ErrResourceDoesNotExist, "Artifact %q does not exist.", p)
	}
	if err != nil {
		return nil, err
	}
	if st, err := f.Stat(); err == nil && st.IsDir() {
		f.Close()
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "Artifact %q is a directory.", p)
	}
	return f, nil
}

// List implements Store.
func (d *Dir) List(ctx context.Context, dir string) ([]FileInfo, error) {
	full, err := d.resolve(dir)
	if err != nil {
		return nil, err
	}
	c, _ := CleanPath(dir)
	entries, err := os.ReadDir(full)
	if err != nil {
		// A file, not a directory: list it as itself, as MLflow does.
		st, serr := os.Stat(full)
		switch {
		case serr == nil && !st.IsDir():
			return []FileInfo{{Path: c, Size: st.Size()}}, nil
		case notExist(serr):
			return nil, nil
		}
		return nil, err
	}
	out := make([]FileInfo, 0, len(entries))
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".upload-") {
			continue
		}
		fi := FileInfo{Path: e.Name(), IsDir: e.IsDir()}
		if c != "" {
			fi.Path = c + "/" + e.Name()
		}
		if !fi.IsDir {
			info, err := e.Info()
			if err != nil {
				continue // removed while listing
			}
			fi.Size = info.Size()
		}
		out = append(out, fi)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// Delete implements Store.
func (d *Dir) Delete(ctx context.Context, p string) error {
	full, err := d.resolve(p)
	if err != nil {
		return err
	}
	if full == filepath.Clean(d.Root) {
		return weir.Errorf(weir.ErrInvalidParameterValue, "Refusing to delete the artifact root.")
	}
	if _, err := os.Lstat(full); notExist(err) {
		return weir.Errorf(weir.ErrResourceDoesNotExist, "Artifact %q does not exist.", p)
	}
	return os.RemoveAll(full)
}

// syncDirs flushes dir and each of its parents up to root, so that the
// names of a renamed file and of any directory made for it are on disk too:
// a file's own fsync does not cover the directory entries that lead to it.
func syncDirs(dir, root string) error {
	for {
		f, err := os.Open(dir)
		if err != nil {
			return err
		}
		err = f.Sync()
		f.Close()
		if err != nil {
			return err
		}
		parent := filepath.Dir(dir)
		if dir == root || parent == dir || len(dir) <= len(root) {
			return nil
		}
		dir = parent
	}
}

// dirConflict reports a parent directory that cannot be made because a file
// has its name (uploading a/b over a file a) as the caller's mistake.
func dirConflict(p string, err error) error {
	if errors.Is(err, syscall.ENOTDIR) || errors.Is(err, fs.ErrExist) {
		return weir.Errorf(weir.ErrInvalidParameterValue, "Invalid path: %q: a parent of it is a file.", p)
	}
	return err
}

// notExist reports whether err means that a path does not exist, also
// when one of its parents is a file (a/b where a is a file).
func notExist(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)
}
