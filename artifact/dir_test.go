package artifact

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/weir-ml/weir"
)

func TestDirRoundTrip(t *testing.T) {
	ctx := context.Background()
	d := NewDir(filepath.Join(t.TempDir(), "root"))
	for p, body := range map[string]string{"a.txt": "A", "model/MLmodel": "flavors: {}", "model/data/x.bin": "", "empty": ""} {
		if err := d.Put(ctx, p, strings.NewReader(body)); err != nil {
			t.Fatalf("Put(%q): %v", p, err)
		}
	}
	rc, err := d.Open(ctx, "model/MLmodel")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	if string(got) != "flavors: {}" {
		t.Errorf("Open content = %q", got)
	}
	list, err := d.List(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	want := []FileInfo{{Path: "a.txt", Size: 1}, {Path: "empty"}, {Path: "model", IsDir: true}}
	if len(list) != len(want) {
		t.Fatalf("List = %+v, want %+v", list, want)
	}
	for i := range want {
		if list[i] != want[i] {
			t.Errorf("List[%d] = %+v, want %+v", i, list[i], want[i])
		}
	}
	sub, _ := d.List(ctx, "model")
	if len(sub) != 2 || sub[0].Path != "model/MLmodel" || sub[1].Path != "model/data" || !sub[1].IsDir {
		t.Errorf("List(model) = %+v", sub)
	}
	if l, _ := d.List(ctx, "missing"); len(l) != 0 {
		t.Errorf("List(missing) = %+v, want empty", l)
	}
	if err := d.Delete(ctx, "model"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Open(ctx, "model/MLmodel"); weir.ErrorCode(err) != weir.ErrResourceDoesNotExist {
		t.Errorf("Open after Delete: %v, want RESOURCE_DOES_NOT_EXIST", err)
	}
}

func TestDirRejectsEscapes(t *testing.T) {
	ctx := context.Background()
	base := t.TempDir()
	root := filepath.Join(base, "root")
	outside := filepath.Join(base, "outside")
	os.MkdirAll(root, 0o755)
	os.MkdirAll(outside, 0o755)
	os.WriteFile(filepath.Join(outside, "secret"), []byte("s"), 0o644)
	if err := os.Symlink(outside, filepath.Join(root, "link")); err != nil {
		t.Skip("symlinks unsupported:", err)
	}
	d := NewDir(root)
	for _, p := range []string{"link/secret", "link/new", "../outside/secret", "%2e%2e/outside/secret"} {
		if _, err := d.Open(ctx, p); weir.ErrorCode(err) != weir.ErrInvalidParameterValue {
			t.Errorf("Open(%q) = %v, want INVALID_PARAMETER_VALUE", p, err)
		}
		if err := d.Put(ctx, p, strings.NewReader("x")); weir.ErrorCode(err) != weir.ErrInvalidParameterValue {
			t.Errorf("Put(%q) = %v, want INVALID_PARAMETER_VALUE", p, err)
		}
	}
	if _, err := os.Stat(filepath.Join(outside, "new")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a file was written outside the root")
	}
}

type failingReader struct{ n int }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n > 0 {
		f.n--
		return copy(p, "partial"), nil
	}
	return 0, errors.New("connection reset")
}

func TestDirPutFailureLeavesNothing(t *testing.T) {
	ctx := context.Background()
	d := NewDir(t.TempDir())
	if err := d.Put(ctx, "f.bin", &failingReader{n: 3}); err == nil {
		t.Fatal("Put succeeded, want error")
	}
	list, _ := d.List(ctx, "")
	if len(list) != 0 {
		t.Errorf("after a failed Put, List = %+v, want empty", list)
	}
	if _, err := d.Open(ctx, "f.bin"); weir.ErrorCode(err) != weir.ErrResourceDoesNotExist {
		t.Errorf("Open after failed Put = %v", err)
	}
}
