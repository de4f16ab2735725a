package s3

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"slices"
	"testing"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/artifact"
)

// This file is the behavioural contract of artifact.Store, run on both
// artifact.Dir and the S3 Store so that the server can swap one for the
// other. newStore must return an empty store.

func TestDirBehaviour(t *testing.T) {
	testStore(t, func(t *testing.T) artifact.Store { return artifact.NewDir(t.TempDir()) })
}

func TestS3Behaviour(t *testing.T) {
	testStore(t, func(t *testing.T) artifact.Store { return mustTestStore(t) })
}

func testStore(t *testing.T, newStore func(t *testing.T) artifact.Store) {
	ctx := context.Background()
	t.Run("put open overwrite", func(t *testing.T) {
		st := newStore(t)
		mustPut(t, st, "model/MLmodel", "v1")
		mustPut(t, st, "model/MLmodel", "v2")
		if got := mustRead(t, st, "model/MLmodel"); got != "v2" {
			t.Errorf("got %q, want %q", got, "v2")
		}
		mustPut(t, st, "empty.txt", "")
		if got := mustRead(t, st, "./empty.txt"); got != "" {
			t.Errorf("empty file: got %q", got)
		}
	})
	t.Run("large body", func(t *testing.T) {
		// Larger than two S3 parts of the minimum size, not a multiple.
		// Sizes around the S3 store's thresholds: its first read, one
		// part (the test stores use MinPartSize), several parts.
		st := newStore(t)
		for _, size := range []int{256<<10 + 1, 1 << 20, MinPartSize, 2*MinPartSize + 12345} {
			want := make([]byte, size)
			rand.Read(want)
			if err := st.Put(ctx, "big/blob.bin", bytes.NewReader(want)); err != nil {
				t.Fatal(err)
			}
			if got := mustRead(t, st, "big/blob.bin"); !bytes.Equal([]byte(got), want) {
				t.Errorf("size %d: got %d bytes back, want %d identical bytes", size, len(got), len(want))
			}
		}
	})
	t.Run("errors", func(t *testing.T) {
		st := newStore(t)
		mustPut(t, st, "d/f.txt", "x")
		tests := []struct {
			name string
			err  error
			want string
		}{
			{"put root", st.Put(ctx, "", bytes.NewReader(nil)), weir.ErrInvalidParameterValue},
			{"open missing", openErr(st, "nope.txt"), weir.ErrResourceDoesNotExist},
			{"open directory", openErr(st, "d"), weir.ErrInvalidParameterValue},
			{"open root", openErr(st, ""), weir.ErrInvalidParameterValue},
			{"delete missing", st.Delete(ctx, "nope"), weir.ErrResourceDoesNotExist},
			{"delete root", st.Delete(ctx, ""), weir.ErrInvalidParameterValue},
		}
		for _, tt := range tests {
			if got := weir.ErrorCode(tt.err); got != tt.want {
				t.Errorf("%s: got %v, want %s", tt.name, tt.err, tt.want)
			}
		}
	})
	t.Run("file and directory conflicts", func(t *testing.T) {
		st := newStore(t)
		mustPut(t, st, "f", "file")
		mustPut(t, st, "d/x", "in a directory")
		_, lerr := st.List(ctx, "f/g")
		tests := []struct {
			name string
			err  error
			want string
		}{
			{"put over a directory", st.Put(ctx, "d", bytes.NewReader([]byte("x"))), weir.ErrInvalidParameterValue},
			{"put under a file", st.Put(ctx, "f/g", bytes.NewReader([]byte("x"))), weir.ErrInvalidParameterValue},
			{"open under a file", openErr(st, "f/g"), weir.ErrResourceDoesNotExist},
			{"list under a file", lerr, ""},
			{"delete under a file", st.Delete(ctx, "f/g"), weir.ErrResourceDoesNotExist},
		}
		for _, tt := range tests {
			if got := weir.ErrorCode(tt.err); got != tt.want {
				t.Errorf("%s: got %v, want %q", tt.name, tt.err, tt.want)
			}
		}
		if got := mustRead(t, st, "f"); got != "file" {
			t.Errorf("file after conflicts: got %q", got)
		}
	})
	t.Run("traversal", func(t *testing.T) {
		st := newStore(t)
		for _, p := range []string{"../x", "a/../../x", "/etc/passwd", "%2e%2e/x", "%252e%252e/x", "a%2fb", `a\b`, "s3://b/k", "file:/x", "a\x00b"} {
			_, lerr := st.List(ctx, p)
			errs := []error{st.Put(ctx, p, bytes.NewReader([]byte("x"))), openErr(st, p), lerr, st.Delete(ctx, p)}
			for i, err := range errs {
				if got := weir.ErrorCode(err); got != weir.ErrInvalidParameterValue {
					t.Errorf("%q, call %d: got %v, want %s", p, i, err, weir.ErrInvalidParameterValue)
				}
			}
		}
	})
	t.Run("list", func(t *testing.T) {
		st := newStore(t)
		mustPut(t, st, "run/artifacts/model/MLmodel", "flavors: {}\n")
		mustPut(t, st, "run/artifacts/model/model.pkl", "12345")
		mustPut(t, st, "run/artifacts/metrics.csv", "a,b\n")
		mustPut(t, st, "run/artifacts/z/deep/er.txt", "1")
		mustPut(t, st, "run/other.txt", "no")
		tests := []struct {
			dir  string
			want []artifact.FileInfo
		}{
			{"run/artifacts", []artifact.FileInfo{
				{Path: "run/artifacts/metrics.csv", Size: 4},
				{Path: "run/artifacts/model", IsDir: true},
				{Path: "run/artifacts/z", IsDir: true},
			}},
			{"run/artifacts/model", []artifact.FileInfo{
				{Path: "run/artifacts/model/MLmodel", Size: 12},
				{Path: "run/artifacts/model/model.pkl", Size: 5},
			}},
			{"", []artifact.FileInfo{{Path: "run", IsDir: true}}},
			{"run/artifacts/metrics.csv", []artifact.FileInfo{{Path: "run/artifacts/metrics.csv", Size: 4}}},
			{"run/missing", nil},
			{"run/artif", nil}, // a key prefix is not a directory
		}
		for _, tt := range tests {
			got, err := st.List(ctx, tt.dir)
			if err != nil {
				t.Errorf("List(%q): %v", tt.dir, err)
				continue
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("List(%q):\n got %+v\nwant %+v", tt.dir, got, tt.want)
			}
		}
	})
	t.Run("delete", func(t *testing.T) {
		st := newStore(t)
		mustPut(t, st, "r/a/1.txt", "1")
		mustPut(t, st, "r/a/sub/2.txt", "2")
		mustPut(t, st, "r/ab.txt", "keep")
		mustPut(t, st, "r/c.txt", "3")
		if err := st.Delete(ctx, "r/a"); err != nil {
			t.Fatal(err)
		}
		if err := st.Delete(ctx, "r/c.txt"); err != nil {
			t.Fatal(err)
		}
		got, err := st.List(ctx, "r")
		want := []artifact.FileInfo{{Path: "r/ab.txt", Size: 4}}
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("after delete: got %+v, %v, want %+v", got, err, want)
		}
		if got := weir.ErrorCode(openErr(st, "r/a/sub/2.txt")); got != weir.ErrResourceDoesNotExist {
			t.Errorf("deleted file: got %s, want %s", got, weir.ErrResourceDoesNotExist)
		}
	})
	t.Run("failed put leaves the old file", func(t *testing.T) {
		st := newStore(t)
		mustPut(t, st, "f.bin", "old")
		for _, size := range []int{10, 3*MinPartSize + 7} {
			r := io.MultiReader(bytes.NewReader(make([]byte, size)), errReader{})
			if err := st.Put(ctx, "f.bin", r); !errors.Is(err, errBroken) {
				t.Errorf("size %d: got %v, want the reader's error", size, err)
			}
			if got := mustRead(t, st, "f.bin"); got != "old" {
				t.Errorf("size %d: got %d bytes, want the old content", size, len(got))
			}
		}
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if err := st.Put(cctx, "g.bin", bytes.NewReader(make([]byte, 3*MinPartSize))); err == nil {
			t.Errorf("cancelled put: got nil error")
		}
		if got := weir.ErrorCode(openErr(st, "g.bin")); got != weir.ErrResourceDoesNotExist {
			t.Errorf("cancelled put: got %s, want no file", got)
		}
	})
}

var errBroken = errors.New("connection broken")

// errReader fails, as a client that hangs up mid-upload does.
type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errBroken }

func mustPut(tb testing.TB, st artifact.Store, p, content string) {
	tb.Helper()
	if err := st.Put(context.Background(), p, bytes.NewReader([]byte(content))); err != nil {
		tb.Fatalf("Put(%q): %v", p, err)
	}
}

func mustRead(tb testing.TB, st artifact.Store, p string) string {
	tb.Helper()
	rc, err := st.Open(context.Background(), p)
	if err != nil {
		tb.Fatalf("Open(%q): %v", p, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		tb.Fatalf("read %q: %v", p, err)
	}
	return string(b)
}

func openErr(st artifact.Store, p string) error {
	rc, err := st.Open(context.Background(), p)
	if err == nil {
		rc.Close()
	}
	return err
}
