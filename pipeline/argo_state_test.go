package pipeline

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/weir-ml/weir/artifact"
)

// countingStore records the paths put into a store.
type countingStore struct {
	artifact.Store
	puts []string
}

func (c *countingStore) Put(ctx context.Context, p string, r io.Reader) error {
	c.puts = append(c.puts, p)
	return c.Store.Put(ctx, p, r)
}

func TestStateMirrorPushesOnlyWhatChanged(t *testing.T) {
	ctx := context.Background()
	remote := &countingStore{Store: artifact.NewDir(t.TempDir())}
	for p, body := range map[string]string{"s/acquire/k1/result.json": "{}", "data/bank.csv": "a,b\n1,2\n"} {
		if err := remote.Store.Put(ctx, p, strings.NewReader(body)); err != nil {
			t.Fatal(err)
		}
	}
	dir := filepath.Join(t.TempDir(), "state")
	os.MkdirAll(filepath.Join(dir, "stale"), 0o755)
	os.WriteFile(filepath.Join(dir, "stale", "old.json"), []byte("x"), 0o644)
	m := &StateMirror{Remote: remote, Dir: dir}
	if err := m.Pull(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "stale")); err == nil {
		t.Errorf("Pull kept a local file the store does not have")
	}
	if b, err := os.ReadFile(filepath.Join(dir, "data", "bank.csv")); err != nil || string(b) != "a,b\n1,2\n" {
		t.Errorf("pulled data/bank.csv = %q, %v", b, err)
	}
	if err := m.Push(ctx); err != nil {
		t.Fatal(err)
	}
	if len(remote.puts) != 0 {
		t.Errorf("an unchanged copy pushed %v, want nothing", remote.puts)
	}
	os.MkdirAll(filepath.Join(dir, "s", "model", "k2"), 0o755)
	os.WriteFile(filepath.Join(dir, "s", "model", "k2", "result.json"), []byte(`{"step":"model"}`), 0o644)
	if err := m.Push(ctx); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(remote.puts, []string{"s/model/k2/result.json"}) {
		t.Errorf("pushed %v, want the new result only", remote.puts)
	}
}
