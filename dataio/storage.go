package dataio

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/weir-ml/weir/s3"
)

// MaxObjectBytes bounds one object read whole into memory (Parquet files
// and segments are); a larger one is refused rather than exhausting memory.
const MaxObjectBytes = 2 << 30

// Storage opens locations. The zero value reads local paths and reaches S3
// with the AWS configuration of the environment (AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY, AWS_REGION, ...) and the endpoint of
// MLFLOW_S3_ENDPOINT_URL, AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL, as
// weir server does.
type Storage struct {
	// S3 configures the S3 client (endpoint, path-style addressing); its
	// part size and concurrency bound uploads.
	S3 s3.Options

	mu     sync.Mutex
	stores map[string]*s3.Store // by bucket
}

// Object is one data file found at a location.
type Object struct {
	Loc  Location
	Size int64
}

// bucketStore returns the store of l's bucket root, made once per bucket.
func (st *Storage) bucketStore(ctx context.Context, l Location) (*s3.Store, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if s, ok := st.stores[l.Bucket]; ok {
		return s, nil
	}
	s, err := s3.NewStore(ctx, "s3://"+l.Bucket, st.S3)
	if err != nil {
		return nil, storageError(l, err)
	}
	if st.stores == nil {
		st.stores = map[string]*s3.Store{}
	}
	st.stores[l.Bucket] = s
	return s, nil
}

// PrefixStore returns a store whose paths are relative to the s3:// prefix
// l, for writers that put many objects under it (inference-log segments).
func (st *Storage) PrefixStore(ctx context.Context, l Location) (*s3.Store, error) {
	if !l.IsS3() {
		return nil, fmt.Errorf("%s is not an s3:// location", l)
	}
	s, err := s3.NewStore(ctx, l.Raw, st.S3)
	if err != nil {
		return nil, storageError(l, err)
	}
	return s, nil
}

// Check makes one request to see that l's bucket exists and that the
// credentials may use it, so that a command fails at once, naming l.
func (st *Storage) Check(ctx context.Context, l Location) error {
	if !l.IsS3() {
		return nil
	}
	s, err := st.bucketStore(ctx, l)
	if err != nil {
		return err
	}
	if err := s.Check(ctx); err != nil {
		return storageError(l, err)
	}
	return nil
}

// List returns the data files at l: l itself when it names a file (an
// object key with an extension), else every file under the directory or
// prefix l whose extension names a format, recursively, sorted by name.
// A location that does not exist, or a prefix with no data file under it,
// is an error naming l.
func (st *Storage) List(ctx context.Context, l Location) ([]Object, error) {
	if !l.IsS3() {
		return listLocal(l)
	}
	s, err := st.bucketStore(ctx, l)
	if err != nil {
		return nil, err
	}
	if hasExt(l.Key) {
		size, err := s.Size(ctx, l.Key)
		if err != nil {
			return nil, objectError(l, err)
		}
		return []Object{{Loc: l, Size: size}}, nil
	}
	var out []Object
	if err := walkS3(ctx, s, l.Key, 0, func(p string, size int64) {
		if _, ok := formatOf(p); ok {
			out = append(out, Object{Loc: Location{Raw: "s3://" + l.Bucket + "/" + p, Bucket: l.Bucket, Key: p}, Size: size})
		}
	}); err != nil {
		return nil, objectError(l, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no .csv, .jsonl or .parquet objects under this prefix", l)
	}
	slices.SortFunc(out, func(a, b Object) int { return strings.Compare(a.Loc.Key, b.Loc.Key) })
	return out, nil
}

// maxDepth bounds the folders walked under a prefix.
const maxDepth = 32

func walkS3(ctx context.Context, s *s3.Store, dir string, depth int, fn func(p string, size int64)) error {
	if depth > maxDepth {
		return fmt.Errorf("more than %d nested folders", maxDepth)
	}
	files, err := s.List(ctx, dir)
	if err != nil {
		return err
	}
	for _, f := range files {
		if f.IsDir {
			if err := walkS3(ctx, s, f.Path, depth+1, fn); err != nil {
				return err
			}
			continue
		}
		fn(f.Path, f.Size)
	}
	return nil
}

func listLocal(l Location) ([]Object, error) {
	fi, err := os.Stat(l.Raw)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return []Object{{Loc: l, Size: fi.Size()}}, nil
	}
	var out []Object
	err = filepath.WalkDir(l.Raw, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || strings.HasPrefix(d.Name(), ".") {
			return nil
		}
		if _, ok := formatOf(d.Name()); !ok {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		out = append(out, Object{Loc: Location{Raw: p}, Size: info.Size()})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s holds no .csv, .jsonl or .parquet files", l)
	}
	slices.SortFunc(out, func(a, b Object) int { return strings.Compare(a.Loc.Raw, b.Loc.Raw) })
	return out, nil
}

// objectError names l in err (see Error).
func objectError(l Location, err error) error { return storageError(l, err) }

// Open returns the content of the file at l.
func (st *Storage) Open(ctx context.Context, l Location) (io.ReadCloser, error) {
	if !l.IsS3() {
		return os.Open(l.Raw)
	}
	s, err := st.bucketStore(ctx, l)
	if err != nil {
		return nil, err
	}
	rc, err := s.Open(ctx, l.Key)
	if err != nil {
		return nil, objectError(l, err)
	}
	return rc, nil
}

// ReadAll returns the whole content of the file at l, refusing more than
// MaxObjectBytes.
func (st *Storage) ReadAll(ctx context.Context, l Location) ([]byte, error) {
	rc, err := st.Open(ctx, l)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, MaxObjectBytes+1))
	if err != nil {
		return nil, storageError(l, err)
	}
	if len(b) > MaxObjectBytes {
		return nil, fmt.Errorf("%s is larger than %d bytes", l, int64(MaxObjectBytes))
	}
	return b, nil
}

// Put writes r to the file at l, replacing it: a local file is written
// beside and renamed into place, an object is uploaded whole (in parts
// when large), so that readers never see half a file.
func (st *Storage) Put(ctx context.Context, l Location, r io.Reader) error {
	if !l.IsS3() {
		return putLocal(l.Raw, r)
	}
	if !hasExt(l.Key) {
		return fmt.Errorf("%s: an object to write needs a file name with an extension", l)
	}
	s, err := st.bucketStore(ctx, l)
	if err != nil {
		return err
	}
	if err := s.Put(ctx, l.Key, r); err != nil {
		return storageError(l, err)
	}
	return nil
}

func putLocal(path string, r io.Reader) (err error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.part")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err = io.Copy(f, r); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// PutBytes writes b to l; see Put.
func (st *Storage) PutBytes(ctx context.Context, l Location, b []byte) error {
	return st.Put(ctx, l, bytes.NewReader(b))
}

// IsNotExist reports whether err says that a local file is missing.
func IsNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }
