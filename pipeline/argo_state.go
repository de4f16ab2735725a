package pipeline

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"time"

	"github.com/weir-ml/weir/artifact"
)

// StateMirror keeps a local copy of a step cache that lives in a shared
// store (an S3 prefix), so that steps run in separate pods on separate
// machines hand their results on: Pull before the run, Push after it.
//
// The records in a step cache hold local paths under Dir, so every
// process sharing a store must use the same Dir (cmd/weir derives it from
// the store's URI).
type StateMirror struct {
	Remote artifact.Store
	Dir    string

	pulled map[string]int64 // size of each file as pulled, by slash path
	since  time.Time
}

// Pull replaces Dir with the store's content.
func (m *StateMirror) Pull(ctx context.Context) error {
	if err := os.RemoveAll(m.Dir); err != nil {
		return err
	}
	if err := os.MkdirAll(m.Dir, 0o755); err != nil {
		return err
	}
	m.pulled = map[string]int64{}
	if err := m.pull(ctx, ""); err != nil {
		return err
	}
	m.since = time.Now()
	return nil
}

func (m *StateMirror) pull(ctx context.Context, dir string) error {
	entries, err := m.Remote.List(ctx, dir)
	if err != nil {
		return fmt.Errorf("listing the step cache %s: %w", dir, err)
	}
	for _, e := range entries {
		if e.IsDir {
			if err := m.pull(ctx, e.Path); err != nil {
				return err
			}
			continue
		}
		if err := m.download(ctx, e.Path); err != nil {
			return fmt.Errorf("fetching %s from the step cache: %w", e.Path, err)
		}
		m.pulled[e.Path] = e.Size
	}
	return nil
}

func (m *StateMirror) download(ctx context.Context, p string) error {
	local := filepath.Join(m.Dir, filepath.FromSlash(p))
	if err := os.MkdirAll(filepath.Dir(local), 0o755); err != nil {
		return err
	}
	rc, err := m.Remote.Open(ctx, p)
	if err != nil {
		return err
	}
	defer rc.Close()
	f, err := os.Create(local)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, rc); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Push uploads what the run wrote into Dir: files the pull did not bring,
// or that changed since. Entries the run pruned stay in the store.
func (m *StateMirror) Push(ctx context.Context) error {
	return filepath.WalkDir(m.Dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(m.Dir, p)
		if err != nil {
			return err
		}
		key := filepath.ToSlash(rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		if size, ok := m.pulled[key]; ok && size == info.Size() && !info.ModTime().After(m.since) {
			return nil
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := m.Remote.Put(ctx, path.Clean(key), f); err != nil {
			return fmt.Errorf("storing %s in the step cache: %w", key, err)
		}
		return nil
	})
}
