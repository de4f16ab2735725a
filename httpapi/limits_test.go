package httpapi

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/weir-ml/weir/artifact"
	"github.com/weir-ml/weir/tracking"
)

func TestBodyCaps(t *testing.T) {
	batches := 0
	s := secureServer(t, nil)
	s.budget = &budget{max: 1 << 30}
	s.Tracking = &fakeTracking{LogBatchFn: func(context.Context, string, []tracking.Metric, []tracking.Param, []tracking.Tag) error {
		batches++
		return nil
	}}
	jsonCT := map[string]string{"Content-Type": "application/json"}
	cases := []struct {
		name     string
		target   string
		declared int64 // Content-Length claimed; 0 keeps the body's
		body     string
		wantMsg  string
	}{
		{"log-batch over its cap", "/api/2.0/mlflow/runs/log-batch", LogBatchMaxBytes + 1, `{}`,
			"Request body is larger than the limit of 25165824 bytes."},
		{"any endpoint over MaxBodyBytes", "/api/2.0/mlflow/experiments/create", 64<<20 + 1, `{}`,
			"Request body is larger than the limit of 67108864 bytes."},
		{"UI upload over 10 MB", "/ajax-api/2.0/mlflow/upload-artifact?run_uuid=r&path=a", 10<<20 + 1, "x",
			"Artifact size is too large. Max size is 10MB."},
		{"many tiny metrics", "/api/2.0/mlflow/runs/log-batch", 0,
			`{"run_id":"r","metrics":[` + strings.Repeat(`{},`, 150_000) + `{}]}`,
			"Request body holds more than 100000 JSON values: split it into smaller requests."},
		{"many tiny metrics in a JSON string", "/api/2.0/mlflow/runs/log-batch", 0,
			jsonString(`{"run_id":"r","metrics":[` + strings.Repeat(`{},`, 150_000) + `{}]}`),
			"Request body holds more than 100000 JSON values: split it into smaller requests."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", c.target, strings.NewReader(c.body))
			req.Host = "127.0.0.1:5000"
			req.Header.Set("Content-Type", "application/json")
			if c.declared > 0 {
				req.ContentLength = c.declared
			}
			rec := sendRequest(s, req)
			var got struct{ Message string }
			json.Unmarshal(rec.Body.Bytes(), &got)
			if rec.Code != http.StatusBadRequest || got.Message != c.wantMsg {
				t.Errorf("got %d %s, want 400 %q", rec.Code, rec.Body, c.wantMsg)
			}
		})
	}
	if batches != 0 {
		t.Errorf("log-batch reached the store %d times", batches)
	}
	// A full batch of the largest values still fits.
	big := `{"run_id":"r","params":[`
	for i := range 100 {
		big += fmt.Sprintf(`%s{"key":"p%d","value":%q}`, map[bool]string{true: ",", false: ""}[i > 0], i, strings.Repeat(`\ud83d\ude00`, 1000))
	}
	big += `]}`
	if rec := send(s, "POST", "/api/2.0/mlflow/runs/log-batch", "127.0.0.1:5000", jsonCT, big); rec.Code != http.StatusOK || batches != 1 {
		t.Errorf("a large valid batch: got %d %s, want 200", rec.Code, rec.Body)
	}
}

func sendRequest(s *Server, req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	return rec
}

func TestMemoryBudget(t *testing.T) {
	b := &budget{max: 100}
	if !b.take(60) || b.take(41) || !b.take(40) {
		t.Fatalf("budget of 100: take 60, 41, 40: want true, false, true")
	}
	b.give(60)
	if got := b.used.Load(); got != 40 {
		t.Errorf("after giving back 60: got %d used, want 40", got)
	}

	s := secureServer(t, nil)
	s.budget = &budget{max: 1 << 20}
	s.budget.take(1 << 19) // another request holds half
	req, _ := http.NewRequest("POST", "/api/2.0/mlflow/experiments/create", strings.NewReader(strings.Repeat(" ", 600<<10)+`{}`))
	req.Host = "127.0.0.1:5000"
	req.Header.Set("Content-Type", "application/json")
	rec := sendRequest(s, req)
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), `"TEMPORARILY_UNAVAILABLE"`) ||
		rec.Header().Get("Retry-After") == "" {
		t.Errorf("over the budget: got %d %v %s, want 503 TEMPORARILY_UNAVAILABLE with Retry-After", rec.Code, rec.Header(), rec.Body)
	}
	if got := s.budget.used.Load(); got != 1<<19 {
		t.Errorf("after the refused request: got %d bytes used, want %d", got, 1<<19)
	}
	// Chunked bodies are charged as they are read.
	req, _ = http.NewRequest("POST", "/api/2.0/mlflow/experiments/create", io.MultiReader(strings.NewReader(strings.Repeat(" ", 600<<10)+`{}`)))
	req.Host = "127.0.0.1:5000"
	req.Header.Set("Content-Type", "application/json")
	req.ContentLength = -1
	if rec := sendRequest(s, req); rec.Code != http.StatusServiceUnavailable {
		t.Errorf("chunked body over the budget: got %d %s, want 503", rec.Code, rec.Body)
	}
	if got := s.budget.used.Load(); got != 1<<19 {
		t.Errorf("after the chunked request: got %d bytes used, want %d", got, 1<<19)
	}
}

// TestStalledBody opens a real listener: a client that sends headers and
// part of a body, then nothing, is cut off after BodyReadTimeout.
func TestStalledBody(t *testing.T) {
	srv := newTestServer(t, &fakeTracking{})
	srv.Addr, srv.BodyReadTimeout = "127.0.0.1:0", 300*time.Millisecond
	srv.Artifacts = artifact.NewDir(t.TempDir())
	if err := srv.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	for _, target := range []string{
		"POST /api/2.0/mlflow/runs/log-batch",
		"PUT /api/2.0/mlflow-artifacts/artifacts/1/r/artifacts/model.bin",
		"POST /ajax-api/2.0/mlflow/upload-artifact?run_uuid=r&path=a.txt",
	} {
		conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL(), "http://"))
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		fmt.Fprintf(conn, "%s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{\"run_id\":", target)
		conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		io.Copy(io.Discard, bufio.NewReader(conn)) // until the server closes
		if d := time.Since(start); d > 5*time.Second || d < 250*time.Millisecond {
			t.Errorf("%s: closed after %v, want after the 300ms read timeout", target, d)
		}
		conn.Close()
	}
}

func TestRemoveUploadTemps(t *testing.T) {
	root := t.TempDir()
	outside := t.TempDir()
	write := func(p string) string {
		full := filepath.Join(root, p)
		os.MkdirAll(filepath.Dir(full), 0o755)
		os.WriteFile(full, []byte("x"), 0o644)
		return full
	}
	stale := []string{write("1/r/artifacts/.upload-123"), write(".upload-9")}
	kept := []string{write("1/r/artifacts/model.pkl"), write("1/r/artifacts/upload-123")}
	os.WriteFile(filepath.Join(outside, ".upload-7"), []byte("x"), 0o644)
	os.Symlink(outside, filepath.Join(root, "link"))

	srv := newTestServer(t, &fakeTracking{})
	srv.Addr, srv.Artifacts = "127.0.0.1:0", artifact.NewDir(root)
	if err := srv.Open(); err != nil {
		t.Fatal(err)
	}
	srv.Close()
	for _, p := range stale {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s: still there after Open", p)
		}
	}
	for _, p := range append(kept, filepath.Join(outside, ".upload-7")) {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s: removed by Open, want kept", p)
		}
	}
}

func TestTLS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := writeTestCert(t, dir)
	srv := newTestServer(t, &fakeTracking{})
	srv.Addr, srv.TLSCertFile, srv.TLSKeyFile = "127.0.0.1:0", certFile, keyFile
	if err := srv.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	if !strings.HasPrefix(srv.URL(), "https://") {
		t.Fatalf("URL: got %s, want https", srv.URL())
	}
	pool := x509.NewCertPool()
	certPEM, _ := os.ReadFile(certFile)
	pool.AppendCertsFromPEM(certPEM)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true}}
	resp, err := client.Get(srv.URL() + "/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Proto != "HTTP/2.0" {
		t.Errorf("health over TLS: got %d %s, want 200 HTTP/2.0", resp.StatusCode, resp.Proto)
	}
	// A body read over HTTP/2 passes through the read deadline too.
	resp, err = client.Post(srv.URL()+"/api/2.0/mlflow/runs/log-batch", "application/json", strings.NewReader(`{"metrics":[]}`))
	if err != nil {
		t.Fatal(err)
	}
	msg, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !strings.Contains(string(msg), "run_id") {
		t.Errorf("log-batch without run_id over HTTP/2: got %d %s, want 400 naming run_id", resp.StatusCode, msg)
	}
	h1 := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	h1.Transport.(*http.Transport).TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
	if resp, err := h1.Get(srv.URL() + "/health"); err != nil || resp.Proto != "HTTP/1.1" {
		t.Errorf("health over TLS without h2: got %v, %v, want HTTP/1.1", resp, err)
	} else {
		resp.Body.Close()
	}

	bad := newTestServer(t, &fakeTracking{})
	bad.Addr, bad.TLSCertFile, bad.TLSKeyFile = "127.0.0.1:0", keyFile, certFile
	if err := bad.Open(); err == nil || !strings.Contains(err.Error(), "TLS certificate") {
		bad.Close()
		t.Errorf("Open with the files swapped: got %v, want a TLS certificate error", err)
	}
}

// writeTestCert writes a self-signed certificate for 127.0.0.1.
func writeTestCert(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "weir test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalECPrivateKey(key)
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
	return certFile, keyFile
}
