//go:build !weir_serve && linux

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// startWeirAs starts exe (this test binary, or a copy) as `weir args...`
// (through TestHelperWeirMain), under wrapper when it is not empty, and
// returns the process, the URL the server logs and a channel that gets its
// exit once it ends.
func startWeirAs(t *testing.T, wrapper, exe string, args ...string) (*exec.Cmd, string, <-chan error) {
	t.Helper()
	raw, err := json.Marshal(args)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^TestHelperWeirMain$")
	if wrapper != "" {
		cmd = exec.Command(wrapper, exe, "-test.run=^TestHelperWeirMain$")
	}
	cmd.Env = append(os.Environ(), "WEIR_TEST_MAIN_ARGS="+string(raw))
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	urls := make(chan string, 1)
	rest := new(strings.Builder)
	done := make(chan error, 1)
	go func() {
		re := regexp.MustCompile(`url=(http://[0-9.:]+)`)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			rest.WriteString(sc.Text() + "\n")
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case urls <- m[1]:
				default:
				}
			}
		}
		io.Copy(io.Discard, stderr)
		done <- cmd.Wait()
	}()
	select {
	case u := <-urls:
		return cmd, u, done
	case err := <-done:
		t.Fatalf("weir %s exited before serving: %v\n%s", strings.Join(args, " "), err, rest)
	case <-time.After(20 * time.Second):
		t.Fatalf("weir %s did not say where it serves", strings.Join(args, " "))
	}
	return nil, "", nil
}

func serverArgs(t *testing.T) []string {
	dir := t.TempDir()
	return []string{"server", "--port", "0", "--backend-store-uri", "sqlite:///" + filepath.Join(dir, "weir.db"),
		"--artifacts-destination", filepath.Join(dir, "artifacts")}
}

// TestSIGTERMDrains: SIGTERM (what kill, docker stop and systemd send)
// stops weir server after it drains, with exit code 0.
func TestSIGTERMDrains(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd, url, done := startWeirAs(t, "", exe, serverArgs(t)...)
	if resp, err := http.Get(url + "/health"); err != nil {
		t.Fatal(err)
	} else {
		resp.Body.Close()
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("weir server after SIGTERM: %v, want exit code 0", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("weir server did not stop within 15s of SIGTERM")
	}
}

// TestStopsWithGoRun: under `go run`, killing the go command stops weir
// too, so its port is free again (go run does not pass the signal on).
func TestStopsWithGoRun(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// Where go run puts the binary it builds, and a parent named go.
	dir := t.TempDir()
	exe := filepath.Join(dir, "go-build123", "b001", "exe", "weir")
	if err := os.MkdirAll(filepath.Dir(exe), 0o755); err != nil {
		t.Fatal(err)
	}
	mustCopyFile(t, self, exe)
	goCmd := filepath.Join(dir, "go")
	if err := os.WriteFile(goCmd, []byte("#!/bin/sh\n\"$@\"\necho exited\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	parent, url, _ := startWeirAs(t, goCmd, exe, serverArgs(t)...)
	addr := strings.TrimPrefix(url, "http://")
	if err := parent.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	for ctx.Err() == nil {
		l, err := net.Listen("tcp", addr)
		if err == nil {
			l.Close()
			return // weir stopped and let the port go
		}
		time.Sleep(100 * time.Millisecond)
	}
	killByExe(exe) // the orphan this test exists to prevent
	t.Fatalf("%s still held 15s after its go run parent was killed", addr)
}

// killByExe kills the processes running the executable at path.
func killByExe(path string) {
	procs, _ := filepath.Glob("/proc/[0-9]*/exe")
	for _, p := range procs {
		if target, err := os.Readlink(p); err == nil && target == path {
			if pid, err := strconv.Atoi(filepath.Base(filepath.Dir(p))); err == nil {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	}
}

func mustCopyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o755); err != nil {
		t.Fatal(err)
	}
}
