//go:build !weir_serve

package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
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
