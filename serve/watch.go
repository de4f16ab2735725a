package serve

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"
)

// VersionSource says which version a registry alias points to and loads a
// version. cmd/weir implements it on the registry client and mlmodel.
type VersionSource interface {
	// Version returns the version the alias points to now.
	Version(ctx context.Context) (string, error)
	// Load downloads and loads a version, with its input example.
	Load(ctx context.Context, version string) (*Loaded, error)
}

// AliasWatcher polls a registry alias (models:/name@alias) and, when it
// moves, loads the new version and swaps it into Server once it has scored
// its input example. A version that fails to load or check is retried at
// the next poll; the old model keeps serving meanwhile.
type AliasWatcher struct {
	Server   *Server
	Source   VersionSource
	Interval time.Duration
	Logger   *slog.Logger

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// NewAliasWatcher returns a watcher polling every 30 seconds.
func NewAliasWatcher(s *Server, src VersionSource) *AliasWatcher {
	return &AliasWatcher{Server: s, Source: src, Interval: 30 * time.Second, Logger: slog.Default()}
}

// Open starts polling.
func (w *AliasWatcher) Open() error {
	if w.Server == nil || w.Source == nil || w.Interval <= 0 {
		return errors.New("serve: AliasWatcher needs a Server, a Source and a positive Interval")
	}
	if w.Logger == nil {
		w.Logger = slog.Default()
	}
	ctx, cancel := context.WithCancel(context.Background())
	w.cancel = cancel
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		t := time.NewTicker(w.Interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				w.Poll(ctx)
			}
		}
	}()
	return nil
}

// Close stops polling and waits for a poll in progress.
func (w *AliasWatcher) Close() error {
	if w.cancel != nil {
		w.cancel()
		w.wg.Wait()
	}
	return nil
}

// Poll checks the alias once and swaps in a new version if it moved. It
// reports whether the model was swapped.
func (w *AliasWatcher) Poll(ctx context.Context) bool {
	cur := w.Server.Current()
	v, err := w.Source.Version(ctx)
	if err != nil {
		w.Logger.Warn("alias poll failed; still serving", "model", cur.Name, "version", cur.Version, "err", err)
		return false
	}
	if v == cur.Version {
		return false
	}
	m, err := w.Source.Load(ctx, v)
	if err == nil {
		err = w.Server.Swap(m)
	} else {
		w.Server.Metrics.swapsFailed.Add(1)
	}
	if err != nil {
		w.Logger.Error("new model version refused; still serving the old one", "model", cur.Name,
			"serving", cur.Version, "refused", v, "err", err)
		return false
	}
	w.Logger.Info("model swapped", "model", m.Name, "from", cur.Version, "to", m.Version)
	return true
}
