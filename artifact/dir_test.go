package artifact

import (
	"context"
	"errors"
	"fmt"
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

// TestDirPutReplaces overwrites files in both durability modes: the new
// content wins, no temporary file is left beside it, and a failed or
// cancelled overwrite keeps the old file whole.
func TestDirPutReplaces(t *testing.T) {
	for _, sync := range []bool{false, true} {
		t.Run(fmt.Sprintf("Sync=%v", sync), func(t *testing.T) {
			ctx := context.Background()
			root := t.TempDir()
			d := &Dir{Root: root, Sync: sync}
			mustPut(t, d, "run/model.bin", "version 1")
			mustPut(t, d, "run/model.bin", "version 2, longer")
			if got, want := mustRead(t, d, "run/model.bin"), "version 2, longer"; got != want {
				t.Errorf("after overwrite: got %q, want %q", got, want)
			}
			if err := d.Put(ctx, "run/model.bin", &failingReader{n: 3}); err == nil {
				t.Error("Put from a failing reader succeeded, want error")
			}
			cancelled, cancel := context.WithCancel(ctx)
			cancel()
			if err := d.Put(cancelled, "run/model.bin", strings.NewReader("version 3")); !errors.Is(err, context.Canceled) {
				t.Errorf("Put with a cancelled context: got %v, want context.Canceled", err)
			}
			if got, want := mustRead(t, d, "run/model.bin"), "version 2, longer"; got != want {
				t.Errorf("after failed overwrites: got %q, want %q", got, want)
			}
			mustPut(t, d, "run/empty", "")
			if got := mustRead(t, d, "run/empty"); got != "" {
				t.Errorf("empty file: got %q", got)
			}
			// Only the two files: no temporary or replaced file left over.
			entries, err := os.ReadDir(filepath.Join(root, "run"))
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			if got, want := strings.Join(names, ","), "empty,model.bin"; got != want {
				t.Errorf("files on disk: got %s, want %s", got, want)
			}
		})
	}
}

// TestDirPutOverDirectory refuses to replace a directory with a file and
// leaves the directory as it was.
func TestDirPutOverDirectory(t *testing.T) {
	d := NewDir(t.TempDir())
	mustPut(t, d, "model/MLmodel", "flavors: {}")
	if err := d.Put(context.Background(), "model", strings.NewReader("x")); weir.ErrorCode(err) != weir.ErrInvalidParameterValue {
		t.Errorf("Put over a directory: got %v, want INVALID_PARAMETER_VALUE", err)
	}
	if got := mustRead(t, d, "model/MLmodel"); got != "flavors: {}" {
		t.Errorf("directory content after refused Put: got %q", got)
	}
}

// TestReplaceFile covers replaceFile's cases: a new name, a name taken by
// a file (the file is replaced and its data unlinked), and a name taken by
// a directory (refused, both left as they were).
func TestReplaceFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	dst := filepath.Join(dir, "dst")
	if err := replaceFile(write(".upload-1", "new"), dst); err != nil {
		t.Fatalf("replaceFile to a new name: %v", err)
	}
	tmp := write(".upload-2", "newer")
	if err := replaceFile(tmp, dst); err != nil {
		t.Fatalf("replaceFile over a file: %v", err)
	}
	if got, _ := os.ReadFile(dst); string(got) != "newer" {
		t.Errorf("replaced file: got %q, want %q", got, "newer")
	}
	if _, err := os.Lstat(tmp); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the replaced file is still at the temporary name: %v", err)
	}
	sub := filepath.Join(dir, "sub")
	os.Mkdir(sub, 0o755)
	write("sub/keep", "k")
	tmp = write(".upload-3", "file")
	if err := replaceFile(tmp, sub); err == nil {
		t.Error("replaceFile over a directory succeeded, want error")
	}
	if got, err := os.ReadFile(filepath.Join(sub, "keep")); err != nil || string(got) != "k" {
		t.Errorf("directory after refused replace: got %q, %v", got, err)
	}
	if got, err := os.ReadFile(tmp); err != nil || string(got) != "file" {
		t.Errorf("temporary file after refused replace: got %q, %v", got, err)
	}
}

func mustPut(t *testing.T, d *Dir, p, content string) {
	t.Helper()
	if err := d.Put(context.Background(), p, strings.NewReader(content)); err != nil {
		t.Fatalf("Put(%q): %v", p, err)
	}
}

func mustRead(t *testing.T, d *Dir, p string) string {
	t.Helper()
	rc, err := d.Open(context.Background(), p)
	if err != nil {
		t.Fatalf("Open(%q): %v", p, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("reading %q: %v", p, err)
	}
	return string(b)
}
