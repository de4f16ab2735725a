package serve

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
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
)

func TestHostAllowlist(t *testing.T) {
	tests := []struct {
		name     string
		patterns []string
		bound    string
		host     string
		want     bool
	}{
		{"localhost", nil, "127.0.0.1:8080", "localhost:8080", true},
		{"localhost without port", nil, "127.0.0.1:8080", "localhost", true},
		{"loopback address", nil, "127.0.0.1:8080", "127.0.0.1:8080", true},
		{"IPv6 loopback", nil, "127.0.0.1:8080", "[::1]:8080", true},
		{"private address", nil, "0.0.0.0:8080", "10.1.2.3:8080", true},
		{"private 192.168", nil, "0.0.0.0:8080", "192.168.0.7", true},
		{"bound name", nil, "scorer.internal:8080", "scorer.internal:8080", true},
		{"rebinding name", nil, "127.0.0.1:8080", "evil.example:8080", false},
		{"public address", nil, "0.0.0.0:8080", "8.8.8.8:8080", false},
		{"wildcard bind names nothing", nil, "0.0.0.0:8080", "0.0.0.0:8080", false},
		{"empty Host", nil, "127.0.0.1:8080", "", false},
		{"localhost subdomain", nil, "127.0.0.1:8080", "app.localhost:8080", true},
		{"localhost lookalike", nil, "127.0.0.1:8080", "localhost.evil.example", false},
		{"exact name", []string{"scorer.example.com"}, "0.0.0.0:8080", "scorer.example.com:8080", true},
		{"exact name refuses others", []string{"scorer.example.com"}, "0.0.0.0:8080", "localhost:8080", false},
		{"name with port", []string{"scorer.example.com:8080"}, "0.0.0.0:8080", "scorer.example.com:8080", true},
		{"name with other port", []string{"scorer.example.com:8080"}, "0.0.0.0:8080", "scorer.example.com:9090", false},
		{"wildcard subdomain", []string{"*.example.com"}, "0.0.0.0:8080", "a.example.com", true},
		{"wildcard prefix", []string{"192.168.*"}, "0.0.0.0:8080", "192.168.1.100:8080", true},
		{"star", []string{"*"}, "0.0.0.0:8080", "anything.example:1", true},
		{"IPv6 literal with brackets", []string{"[2001:db8::1]"}, "0.0.0.0:8080", "[2001:db8::1]:8080", true},
		{"IPv6 literal with port", []string{"[2001:db8::1]:8080"}, "0.0.0.0:8080", "[2001:db8::1]:8080", true},
		{"no character classes", []string{"a?c"}, "0.0.0.0:8080", "abc", false},
		{"star in the middle", []string{"api-*.example.com"}, "0.0.0.0:8080", "api-eu.example.com", true},
		{"star in the middle refuses", []string{"api-*.example.com"}, "0.0.0.0:8080", "api-eu.example.org", false},
		{"case and trailing dot", []string{"Scorer.Example.com"}, "0.0.0.0:8080", "SCORER.example.com.", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NewHostAllowlist(tt.patterns, tt.bound).Allows(tt.host); got != tt.want {
				t.Errorf("Allows(%q) with %q bound to %s = %v, want %v", tt.host, tt.patterns, tt.bound, got, tt.want)
			}
		})
	}
}

// guarded sends one request with the given Host and Authorization.
func guarded(tb testing.TB, h http.Handler, method, path, host, auth, body string) response {
	tb.Helper()
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	r.Host = host
	r.Header.Set("Content-Type", "application/json")
	if auth != "" {
		r.Header.Set("Authorization", auth)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return response{w.Code, w.Header().Get("Content-Type"), w.Body.String()}
}

const guardRow = `{"dataframe_split": {"columns": ["age", "job"], "data": [[30, "admin."]]}}`

const oipOneRow = `{"inputs": [{"name": "age", "shape": [1], "datatype": "INT64", "data": [30]}, {"name": "job", "shape": [1], "datatype": "BYTES", "data": ["admin."]}]}`

func TestGuard(t *testing.T) {
	s := mustServer(t, loadedFake(newFakeModel(), "1"), func(s *Server) {
		s.AuthToken = "s3cret-token-of-the-test"
	})
	const good = "Bearer s3cret-token-of-the-test"
	tests := []struct {
		name, method, path, host, auth, body string
		want                                 int
		wantBody                             string
	}{
		{"scoring with the token", "POST", "/invocations", "localhost:8080", good, guardRow, 200, "predictions"},
		{"scheme is case-blind", "POST", "/invocations", "localhost:8080", "bearer s3cret-token-of-the-test", guardRow, 200, "predictions"},
		{"OIP with the token", "POST", "/v2/models/bank/infer", "127.0.0.1:8080", good, oipOneRow, 200, "outputs"},
		{"no token", "POST", "/invocations", "localhost:8080", "", guardRow, 401, "UNAUTHENTICATED"},
		{"wrong token", "POST", "/invocations", "localhost:8080", "Bearer s3cret-token-of-the-tesT", guardRow, 401, "Bearer"},
		{"token prefix", "POST", "/invocations", "localhost:8080", "Bearer s3cret", guardRow, 401, "Bearer"},
		{"basic auth", "POST", "/invocations", "localhost:8080", "Basic czNjcmV0", guardRow, 401, "Bearer"},
		{"OIP without token", "POST", "/v2/models/bank/infer", "localhost:8080", "", oipOneRow, 401, `{"error":`},
		{"metadata without token", "GET", "/v2/models/bank", "localhost:8080", "", "", 401, `{"error":`},
		{"metrics without token", "GET", "/metrics", "localhost:8080", "", "", 401, "UNAUTHENTICATED"},
		{"foreign Host with the token", "POST", "/invocations", "evil.example:8080", good, guardRow, 403, "Invalid Host header"},
		{"foreign Host on OIP", "POST", "/v2/models/bank/infer", "evil.example:8080", good, oipOneRow, 403, `{"error":"Invalid Host header`},
		{"foreign Host on metrics", "GET", "/metrics", "evil.example", good, "", 403, "PERMISSION_DENIED"},
		{"ping from a probe", "GET", "/ping", "10.0.0.12:8080", "", "", 200, "\n"},
		{"health with any Host", "GET", "/health", "evil.example", "", "", 200, "\n"},
		{"OIP liveness", "GET", "/v2/health/live", "pod.example", "", "", 200, "live"},
		{"OIP readiness", "GET", "/v2/health/ready", "pod.example", "", "", 200, "ready"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := guarded(t, s.Handler(), tt.method, tt.path, tt.host, tt.auth, tt.body)
			if got.code != tt.want || !strings.Contains(got.body, tt.wantBody) {
				t.Errorf("%s %s Host %q = %d %s, want %d with %q", tt.method, tt.path, tt.host, got.code, got.body, tt.want, tt.wantBody)
			}
		})
	}
	var m strings.Builder
	s.Metrics.Write(&m)
	for _, want := range []string{`weir_serve_refused_total{reason="host"} 3`, `weir_serve_refused_total{reason="token"} 7`} {
		if !strings.Contains(m.String(), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestGuardAllowedHostsFlag(t *testing.T) {
	s := mustServer(t, loadedFake(newFakeModel(), "1"), func(s *Server) {
		s.Addr = "0.0.0.0:8080"
		s.AllowedHosts = []string{"scorer.example.com", "*.svc.cluster.local"}
	})
	for host, want := range map[string]int{
		"scorer.example.com:8080":           200,
		"bank.default.svc.cluster.local":    200,
		"localhost:8080":                    403, // the list replaces the defaults, as MLflow's does
		"evil.example":                      403,
		"scorer.example.com.evil.example:1": 403,
	} {
		if got := guarded(t, s.Handler(), "POST", "/invocations", host, "", guardRow); got.code != want {
			t.Errorf("Host %q = %d %s, want %d", host, got.code, got.body, want)
		}
	}
}

// mustCert writes a self-signed certificate for 127.0.0.1 and its key.
func mustCert(tb testing.TB) (certFile, keyFile string, pool *x509.CertPool) {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "weir test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		tb.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		tb.Fatal(err)
	}
	dir := tb.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		tb.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

func TestTLS(t *testing.T) {
	certFile, keyFile, pool := mustCert(t)
	s := mustOpen(t, loadedFake(newFakeModel(), "1"), func(s *Server) {
		s.TLSCertFile, s.TLSKeyFile = certFile, keyFile
	})
	defer s.Close()
	if !strings.HasPrefix(s.URL(), "https://") {
		t.Fatalf("URL() = %s, want https://", s.URL())
	}
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr}
	resp, err := c.Post(s.URL()+"/invocations", "application/json", strings.NewReader(guardRow))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), "predictions") {
		t.Errorf("POST over TLS = %d %s, want 200", resp.StatusCode, b)
	}
	if resp.ProtoMajor != 2 {
		t.Errorf("protocol %s, want HTTP/2 when the client offers it", resp.Proto)
	}
	// Plain HTTP to the TLS port gets no scoring answer.
	if resp, err := http.Post(strings.Replace(s.URL(), "https", "http", 1)+"/invocations", "application/json", strings.NewReader(guardRow)); err == nil {
		resp.Body.Close()
		if resp.StatusCode == 200 {
			t.Errorf("plain HTTP to the TLS port answered 200")
		}
	}
}

func TestTLSBadPairFailsOpen(t *testing.T) {
	certFile, _, _ := mustCert(t)
	s := NewServer()
	s.Addr = "127.0.0.1:0"
	s.Model = loadedFake(newFakeModel(), "1")
	s.Logger = discardLogger()
	s.TLSCertFile, s.TLSKeyFile = certFile, certFile
	if err := s.Open(); err == nil || !strings.Contains(err.Error(), "TLS certificate and key") {
		s.Close()
		t.Fatalf("Open with a certificate as key = %v, want an error naming TLS", err)
	}
	s = NewServer()
	s.Model = loadedFake(newFakeModel(), "1")
	s.TLSCertFile = certFile
	if err := s.Init(); err == nil {
		s.Close()
		t.Fatalf("Init with a certificate and no key succeeded")
	}
}
