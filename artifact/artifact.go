// Package artifact defines where run and model files live: a Store addressed
// by slash-separated relative paths, with implementations for a local
// directory and S3-compatible object storage. Paths are checked before they
// touch a store.
package artifact

import (
	"context"
	"io"
)

// FileInfo describes one entry of a listing. Path is relative to the listed
// directory's root as the caller asked for it (see Store.List).
type FileInfo struct {
	Path  string
	IsDir bool
	Size  int64 // bytes; 0 for directories
}

// Store keeps artifact files under one root. Every path is relative to the
// root, uses forward slashes and is checked with CleanPath first.
type Store interface {
	// Put writes r to path, replacing any file there. A failed or interrupted
	// Put leaves no partial file visible.
	Put(ctx context.Context, path string, r io.Reader) error
	// Open returns the content of the file at path.
	Open(ctx context.Context, path string) (io.ReadCloser, error)
	// List returns the entries directly inside dir ("" is the root), sorted
	// by path, with Path relative to the root. A dir that does not exist
	// gives an empty list.
	List(ctx context.Context, dir string) ([]FileInfo, error)
	// Delete removes the file or the whole directory at path.
	Delete(ctx context.Context, path string) error
}
