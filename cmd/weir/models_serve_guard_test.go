//go:build !weir_serve

package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestReadTokenFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path, want, wantErr string
	}{
		{"token and newline", write("ok", "0123456789abcdef0123\n"), "0123456789abcdef0123", ""},
		{"first line only", write("lines", "  0123456789abcdef0123  \nsecond line\n"), "0123456789abcdef0123", ""},
		{"empty", write("empty", "\n"), "", "no token"},
		{"short", write("short", "hunter2\n"), "", "at least 16"},
		{"missing", filepath.Join(dir, "none"), "", "no such file"},
		{"FIFO", fifo, "", "not a regular file"},
		{"large", write("large", strings.Repeat("x", 5000)), "", "one line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readTokenFile(tt.path)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("readTokenFile = %q, %v; want an error with %q", got, err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "hunter2") {
					t.Errorf("error %q shows the file's content", err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("readTokenFile = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestModelsServeTokenAndHosts(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "bank-model")
	mustSaveModel(t, dir, 5)
	tok := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tok, []byte("a-token-for-the-serve-test\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	url, _ := startServe(t, "-m", dir, "--auth-token-file", tok, "--allowed-hosts", "127.0.0.1,scorer.example.com")
	send := func(host, auth string) int {
		req, _ := http.NewRequest("POST", url+"/invocations", strings.NewReader(serveRow))
		req.Header.Set("Content-Type", "application/json")
		if host != "" {
			req.Host = host
		}
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, tc := range []struct {
		name, host, auth string
		want             int
	}{
		{"token", "", "Bearer a-token-for-the-serve-test", 200},
		{"listed name", "scorer.example.com", "Bearer a-token-for-the-serve-test", 200},
		{"no token", "", "", 401},
		{"foreign Host", "evil.example", "Bearer a-token-for-the-serve-test", 403},
	} {
		if got := send(tc.host, tc.auth); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}
	if resp, err := http.Get(url + "/ping"); err != nil || resp.StatusCode != 200 {
		t.Errorf("GET /ping without a token: %v %v, want 200", resp, err)
	}
}

// TestModelsServeHostileModelDir: a model directory whose files are a
// FIFO or a symbolic link to a secret is refused at start, at once, with
// an error that names the file and shows none of the secret.
func TestModelsServeHostileModelDir(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secret, []byte("TOPSECRET=hunter2-hunter2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, file, wantErr string
		plant               func(path string) error
	}{
		{"FIFO MLmodel", "MLmodel", "named pipe", func(p string) error { return syscall.Mkfifo(p, 0o600) }},
		{"FIFO predictor", "predictor.json", "named pipe", func(p string) error { return syscall.Mkfifo(p, 0o600) }},
		{"predictor linked to a secret", "predictor.json", "symbolic link", func(p string) error { return os.Symlink(secret, p) }},
		{"FIFO reference profile", "reference_profile.json", "named pipe", func(p string) error { return syscall.Mkfifo(p, 0o600) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "bank-model")
			mustSaveModel(t, dir, 3)
			p := filepath.Join(dir, tt.file)
			os.Remove(p)
			if err := tt.plant(p); err != nil {
				t.Fatal(err)
			}
			g := &globals{ctx: context.Background(), stderr: io.Discard, logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
			c := modelsServeCmd{ModelURI: dir, Port: 0, RequestTimeout: time.Second, MaxBodyBytes: 1 << 20}
			done := make(chan error, 1)
			go func() { done <- c.Run(g) }()
			select {
			case err := <-done:
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("Run = %v, want an error with %q", err, tt.wantErr)
				}
				if err != nil && strings.Contains(err.Error(), "TOPSECRET") {
					t.Errorf("error %q shows the secret", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("models serve hangs on the model directory")
			}
		})
	}
}
