//go:build linux && (amd64 || arm64)

package artifact

import (
	"os"
	"path/filepath"
	"testing"
)

// TestExchange checks the hand-made renameat2 call really swaps two names,
// so replaceFile does not quietly fall back to a plain rename.
func TestExchange(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	os.WriteFile(a, []byte("A"), 0o644)
	os.WriteFile(b, []byte("B"), 0o644)
	if err := exchange(a, b); err != nil {
		t.Skipf("renameat2 RENAME_EXCHANGE unsupported here: %v", err)
	}
	for path, want := range map[string]string{a: "B", b: "A"} {
		got, err := os.ReadFile(path)
		if err != nil || string(got) != want {
			t.Errorf("%s holds %q (%v), want %q", filepath.Base(path), got, err, want)
		}
	}
	if err := exchange(a, filepath.Join(dir, "missing")); err == nil {
		t.Error("exchange with a missing name succeeded")
	}
}
