//go:build !weir_serve

package main

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// runExit runs one weir command in-process and returns what main would:
// the exit code and the line it prints on stderr.
func runExit(t *testing.T, ctx context.Context, args ...string) (code int, msg, stdout string) {
	t.Helper()
	var out, errOut bytes.Buffer
	m := &Main{Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }}
	err := m.Run(ctx, args)
	if err != nil {
		msg = errorMessage(err)
	}
	return exitCode(err), msg, out.String()
}

// mustPipelineCSV writes a small binary table (a, b, c and target y) that
// a pipeline trains on in a fraction of a second.
func mustPipelineCSV(t *testing.T, path string) {
	t.Helper()
	r := rand.New(rand.NewPCG(1, 2))
	var b strings.Builder
	b.WriteString("a,b,c,y\n")
	for range 400 {
		fmt.Fprintf(&b, "%.3f,%d,%s,%d\n", r.Float64(), r.IntN(10), []string{"x", "y", "z"}[r.IntN(3)], r.IntN(2))
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// mustPipelineSpec writes a starter spec for mustPipelineCSV's table with
// weir pipeline init, then replaces old by new in it.
func mustPipelineSpec(t *testing.T, dir, csv, old, new string) string {
	t.Helper()
	path := filepath.Join(dir, "p-"+strconv.Itoa(rand.IntN(1e9))+".yaml")
	if code, msg, _ := runExit(t, context.Background(), "pipeline", "init", "--data", csv, "--target", "y", "-o", path); code != 0 {
		t.Fatalf("pipeline init: exit %d: %s", code, msg)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(old)) {
		t.Fatalf("the starter spec has no %q", old)
	}
	if err := os.WriteFile(path, bytes.Replace(b, []byte(old), []byte(new), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// mustHoldPort listens on a free loopback port until the test ends and
// returns the port.
func mustHoldPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

// TestExitCodes is the CLI's one exit-code rule, command by command: 2 for
// usage and bad input, 1 for failures at run time (a port in use among
// them), each with one line that says what and where.
func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	store := "sqlite:///" + filepath.Join(dir, "weir.db")
	arts := filepath.Join(dir, "artifacts")
	csv := filepath.Join(dir, "table.csv")
	mustPipelineCSV(t, csv)
	good := mustPipelineSpec(t, dir, csv, "seed: 42", "seed: 42")
	typo := mustPipelineSpec(t, dir, csv, `target: "y"`, `target: "yz"`)
	malformed := mustPipelineSpec(t, dir, csv, "folds: 3", "folds: three")
	model := filepath.Join(dir, "model")
	mustSaveModel(t, model, 3)
	held := mustHoldPort(t)
	closed := freePort(t) // nothing listens there
	local := []string{"--tracking-uri", store, "--artifacts-destination", arts}

	for _, tt := range []struct {
		name string
		args []string
		code int
		want []string // fragments of the message
	}{
		{"version", []string{"--version"}, 0, nil},
		{"help", []string{"runs", "list", "--help"}, 0, nil},
		{"unknown command", []string{"no-such-command"}, 2, []string{"no-such-command", "(weir --help)"}},
		{"unknown flag", []string{"runs", "list", "--bogus"}, 2, []string{"unknown flag --bogus (weir runs list --help)"}},
		{"bad enum value", []string{"runs", "list", "-o", "yaml"}, 2, []string{"yaml"}},
		{"bad number", []string{"server", "--port", "abc"}, 2, []string{"--port", "abc"}},
		{"port out of range", []string{"server", "--port", "70000"}, 2, []string{"--port 70000", "0..65535"}},
		{"one store connection", []string{"server", "--port", "0", "--backend-store-connections", "1"}, 2, []string{"--backend-store-connections 1", "at least 2"}},
		{"bad store URI", []string{"server", "--port", "0", "--backend-store-uri", "mysql://h/db"}, 2, []string{"--backend-store-uri"}},
		{"missing spec file", []string{"pipeline", "check", filepath.Join(dir, "nope.yaml")}, 2, []string{"<spec> " + filepath.Join(dir, "nope.yaml") + ": no such file"}},
		{"missing data file", []string{"pipeline", "init", "--data", filepath.Join(dir, "nope.csv"), "--target", "y"}, 2, []string{"--data " + filepath.Join(dir, "nope.csv") + ": no such file"}},
		{"malformed spec", []string{"pipeline", "check", malformed}, 2, []string{filepath.Base(malformed) + ":", "folds"}},
		{"target typo in init", []string{"pipeline", "init", "--data", csv, "--target", "yy"}, 2, []string{`no column "yy"`, `did you mean "y"`}},
		{"target typo in spec", append([]string{"pipeline", "run", typo, "--no-image", "--state-dir", filepath.Join(dir, "state")}, local...), 2, []string{filepath.Base(typo) + `: data.target: frame has no column "yz"`}},
		{"step typo", append([]string{"pipeline", "run", good, "--force", "modle"}, local...), 2, []string{`--force "modle" is not a step`, "business, acquire"}},
		{"run not found", append([]string{"runs", "get", "0123456789abcdef0123456789abcdef"}, local...), 2, []string{"0123456789abcdef0123456789abcdef"}},
		{"experiment ID not a number", append([]string{"experiments", "delete", "x"}, local...), 2, []string{`"x" is not a number`}},
		{"model not registered", append([]string{"models", "versions", "nope"}, local...), 2, []string{"nope"}},
		{"bad model URI", append([]string{"models", "download", "/etc", "-d", filepath.Join(dir, "dl")}, local...), 2, []string{"/etc"}},
		{"server port in use", []string{"server", "--port", held, "--backend-store-uri", store, "--artifacts-destination", arts}, 1,
			[]string{"address 127.0.0.1:" + held + " is already in use", "--port"}},
		{"models serve port in use", []string{"models", "serve", "-m", model, "--port", held}, 1,
			[]string{"address 127.0.0.1:" + held + " is already in use", "--port"}},
		{"pipeline --serve port in use", append([]string{"pipeline", "run", good, "--no-image", "--serve", "--serve-addr", "127.0.0.1:" + held, "--state-dir", filepath.Join(dir, "serve-state")}, local...), 1,
			[]string{"address 127.0.0.1:" + held + " is already in use", "--serve-addr"}},
		{"server unreachable", []string{"runs", "list", "--tracking-uri", "http://127.0.0.1:" + strconv.Itoa(closed)}, 1, []string{"cannot reach http://127.0.0.1:" + strconv.Itoa(closed) + " (connection refused)", "--tracking-uri"}},
		{"server name unknown", []string{"runs", "list", "--tracking-uri", "http://no-such-host.invalid:5000"}, 1, []string{"cannot reach http://no-such-host.invalid:5000 (no such host", "--tracking-uri"}},
		{"database unreachable", []string{"runs", "list", "--tracking-uri", "postgresql://u:secret@127.0.0.1:" + strconv.Itoa(closed) + "/db"}, 1, []string{"--tracking-uri", "connection refused"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, msg, _ := runExit(t, context.Background(), tt.args...)
			if code != tt.code {
				t.Errorf("weir %s: exit %d, want %d (message %q)", strings.Join(tt.args, " "), code, tt.code, msg)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q, want it to contain %q", msg, w)
				}
			}
			if strings.Contains(msg, "secret") {
				t.Errorf("message %q shows a password", msg)
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("message %q, want one line", msg)
			}
			if tt.code == 1 && strings.Contains(msg, "in use") && strings.Count(msg, held) != 1 {
				t.Errorf("message %q names the address %d times, want once", msg, strings.Count(msg, held))
			}
		})
	}
}

// cancelOn cancels a context once the text it watches for is written.
type cancelOn struct {
	text   string
	cancel context.CancelFunc
	seen   strings.Builder
}

func (c *cancelOn) Write(p []byte) (int, error) {
	c.seen.Write(p)
	if strings.Contains(c.seen.String(), c.text) {
		c.cancel()
	}
	return len(p), nil
}

// TestInterruptedPipeline: Ctrl-C during a step is a runtime failure that
// says which step was cut short and that running again resumes there.
func TestInterruptedPipeline(t *testing.T) {
	dir := t.TempDir()
	csv := filepath.Join(dir, "table.csv")
	mustPipelineCSV(t, csv)
	spec := mustPipelineSpec(t, dir, csv, "seed: 42", "seed: 42")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out bytes.Buffer
	m := &Main{Stdout: &out, Stderr: &cancelOn{text: "model      ...", cancel: cancel}, Getenv: func(string) string { return "" }}
	err := m.Run(ctx, []string{"pipeline", "run", spec, "--no-image", "--state-dir", filepath.Join(dir, "state"),
		"--tracking-uri", "sqlite:///" + filepath.Join(dir, "weir.db"), "--artifacts-destination", filepath.Join(dir, "artifacts")})
	if got := exitCode(err); got != 1 {
		t.Errorf("exit %d (%v), want 1", got, err)
	}
	if got, want := errorMessage(err), "interrupted during step model; the steps before it are cached"; !strings.Contains(got, want) {
		t.Errorf("message %q, want %q in it", got, want)
	}
}
