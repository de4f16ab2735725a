package mlmodel

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// secret is what a file outside the model directory holds; no error may
// show it.
const secret = "TOPSECRET-credential"

// hostileDir returns a model directory with every kind of file a hostile
// one could hold, and a secret file outside it.
func hostileDir(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	outside := filepath.Join(root, "secret.txt")
	dir := filepath.Join(root, "model")
	for _, d := range []string{dir, filepath.Join(dir, "sub"), filepath.Join(root, "elsewhere")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	files := map[string]string{
		outside:                                      secret,
		filepath.Join(dir, "ok.json"):                `{"a": 1}`,
		filepath.Join(dir, "sub", "inner.json"):      `{"b": 2}`,
		filepath.Join(root, "elsewhere", "out.json"): secret,
		filepath.Join(dir, "big.json"):               strings.Repeat("x", 100),
	}
	for p, c := range files {
		if err := os.WriteFile(p, []byte(c), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	links := map[string]string{
		"link-in.json":  "ok.json",
		"link-out.json": outside,
		"link-rel-out":  "../secret.txt",
		"linkdir":       filepath.Join(root, "elsewhere"),
		"linkdir-in":    "sub",
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo.json"), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestReadModelFile(t *testing.T) {
	dir := hostileDir(t)
	tests := []struct {
		rel, want, wantErr string
		notExist           bool
	}{
		{rel: "ok.json", want: `{"a": 1}`},
		{rel: "sub/inner.json", want: `{"b": 2}`},
		{rel: "link-in.json", wantErr: "symbolic link"},
		{rel: "linkdir-in/inner.json", wantErr: "passes through the symbolic link linkdir-in"},
		{rel: "link-out.json", wantErr: "symbolic link"},
		{rel: "link-rel-out", wantErr: "symbolic link"},
		{rel: "linkdir/out.json", wantErr: "passes through the symbolic link linkdir"},
		{rel: "ok.json/x", wantErr: "ok.json is not a directory"},
		{rel: "../secret.txt", wantErr: "not inside the model directory"},
		{rel: "/etc/passwd", wantErr: "not inside the model directory"},
		{rel: "fifo.json", wantErr: "named pipe (FIFO)"},
		{rel: "sub", wantErr: "a directory"},
		{rel: "big.json", wantErr: "more than the 50 Weir reads"},
		{rel: "missing.json", notExist: true},
	}
	for _, tt := range tests {
		t.Run(tt.rel, func(t *testing.T) {
			type result struct {
				b   []byte
				err error
			}
			done := make(chan result, 1)
			go func() {
				b, err := ReadModelFile(dir, tt.rel, 50)
				done <- result{b, err}
			}()
			var r result
			select {
			case r = <-done:
			case <-time.After(5 * time.Second):
				t.Fatalf("ReadModelFile(%q) hangs", tt.rel)
			}
			switch {
			case tt.notExist:
				if !errors.Is(r.err, fs.ErrNotExist) {
					t.Errorf("err = %v, want fs.ErrNotExist", r.err)
				}
			case tt.wantErr != "":
				if r.err == nil || !strings.Contains(r.err.Error(), tt.wantErr) {
					t.Errorf("ReadModelFile(%q) = %q, %v; want an error with %q", tt.rel, r.b, r.err, tt.wantErr)
				}
				if r.err != nil && strings.Contains(r.err.Error(), secret) {
					t.Errorf("error %q shows the content of a file", r.err)
				}
			case r.err != nil || string(r.b) != tt.want:
				t.Errorf("ReadModelFile(%q) = %q, %v; want %q", tt.rel, r.b, r.err, tt.want)
			}
		})
	}
}

// TestLoadHostileMLmodel replaces a saved model's files with a FIFO or a
// symbolic link to a secret: loading must fail at once, naming the file
// and never showing the secret.
func TestLoadHostileMLmodel(t *testing.T) {
	for _, tc := range []struct {
		name, file, wantErr string
		plant               func(t *testing.T, path string)
	}{
		{"MLmodel is a FIFO", MLmodelFile, "named pipe", func(t *testing.T, p string) {
			if err := syscall.Mkfifo(p, 0o600); err != nil {
				t.Fatal(err)
			}
		}},
		{"MLmodel links to a secret", MLmodelFile, "symbolic link", func(t *testing.T, p string) {
			s := filepath.Join(t.TempDir(), "secret")
			os.WriteFile(s, []byte(secret+": [\n"), 0o600)
			if err := os.Symlink(s, p); err != nil {
				t.Fatal(err)
			}
		}},
		{"MLmodel holds text that is not YAML of a model", MLmodelFile, "MLmodel is not valid YAML", func(t *testing.T, p string) {
			os.WriteFile(p, []byte("flavors: "+secret+"\n"), 0o600)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "m")
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			tc.plant(t, filepath.Join(dir, tc.file))
			done := make(chan error, 1)
			go func() { _, err := Load(dir); done <- err }()
			select {
			case err := <-done:
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("Load = %v, want an error with %q", err, tc.wantErr)
				}
				if err != nil && strings.Contains(err.Error(), "TOPSECRET") {
					t.Errorf("error %q shows the secret", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("Load hangs")
			}
		})
	}
}
