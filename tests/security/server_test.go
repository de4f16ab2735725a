// Package security tests a real `weir server` process the way an attacker
// or a careless client would reach it: foreign Host headers (DNS
// rebinding), cross-site writes, oversized and stalled bodies under
// concurrency, and upload files left by a crash.
package security

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// weirBin is the weir binary built once by TestMain.
var weirBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "weir-security-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	weirBin = filepath.Join(dir, "weir")
	build := exec.Command("go", "build", "-o", weirBin, "github.com/weir-ml/weir/cmd/weir")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building weir:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// server is a running `weir server` process.
type server struct {
	cmd       *exec.Cmd
	url       string // http://127.0.0.1:port
	host      string // 127.0.0.1:port
	dir       string // holds the store, the artifacts and the log
	artifacts string
	log       *bytes.Buffer
}

// startServer runs weir server on a free loopback port with its store and
// artifacts in dir (a new temporary directory when ""), and waits until it
// answers /health (over HTTPS when args hold --tls-cert-file).
func startServer(t *testing.T, dir string, args ...string) *server {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	s := &server{dir: dir, artifacts: filepath.Join(dir, "artifacts"), log: new(bytes.Buffer)}
	s.host = "127.0.0.1:" + strconv.Itoa(port)
	s.url = "http://" + s.host
	health := http.DefaultClient
	if slices.Contains(args, "--tls-cert-file") {
		s.url = "https://" + s.host
		health = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	}
	s.cmd = exec.Command(weirBin, append([]string{"server", "--host", "127.0.0.1", "--port", strconv.Itoa(port),
		"--backend-store-uri", "sqlite:///" + filepath.Join(dir, "weir.db"),
		"--artifacts-destination", s.artifacts}, args...)...)
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.stop(t) })
	for range 200 {
		if resp, err := health.Get(s.url + "/health"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return s
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("weir server did not answer /health within 10 s; log:\n%s", s.log)
	return nil
}

func (s *server) stop(t *testing.T) {
	if s.cmd.ProcessState != nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		s.cmd.Process.Kill()
		<-done
	}
}

// kill ends the server as a crash would.
func (s *server) kill() {
	s.cmd.Process.Kill()
	s.cmd.Wait()
}

// peakRSS returns the process's peak resident set (VmHWM) in bytes.
func (s *server) peakRSS(t *testing.T) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		t.Fatalf("reading the server's /proc status: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				t.Fatalf("VmHWM line %q: %v", line, err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmHWM in /proc status")
	return 0
}

// do sends a request with the given Host and headers; body may be a
// string, []byte or io.Reader.
func (s *server) do(t *testing.T, method, path, host string, header map[string]string, body any) (int, string) {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	case io.Reader:
		rd = b
	}
	req, err := http.NewRequest(method, s.url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out)
}

var jsonCT = map[string]string{"Content-Type": "application/json"}

// api calls a JSON endpoint as a non-browser client and decodes the answer.
func (s *server) api(t *testing.T, method, path string, req, resp any) {
	t.Helper()
	body, _ := json.Marshal(req)
	code, out := s.do(t, method, path, "", jsonCT, body)
	if code != 200 {
		t.Fatalf("%s %s: got %d %s", method, path, code, out)
	}
	if resp != nil {
		if err := json.Unmarshal([]byte(out), resp); err != nil {
			t.Fatalf("%s %s: %v in %s", method, path, err, out)
		}
	}
}

// newRun creates an experiment and a run and returns the run's id.
func (s *server) newRun(t *testing.T, experiment string) string {
	t.Helper()
	var exp struct {
		ExperimentID string `json:"experiment_id"`
	}
	s.api(t, "POST", "/api/2.0/mlflow/experiments/create", map[string]string{"name": experiment}, &exp)
	var run struct {
		Run struct {
			Info struct {
				RunID string `json:"run_id"`
			} `json:"info"`
		} `json:"run"`
	}
	s.api(t, "POST", "/api/2.0/mlflow/runs/create", map[string]string{"experiment_id": exp.ExperimentID}, &run)
	return run.Run.Info.RunID
}

// TestDNSRebinding sends what a page that rebound its name to 127.0.0.1
// would: searches, creates and deletes with its own name as Host. None is
// served, and nothing changes.
func TestDNSRebinding(t *testing.T) {
	t.Parallel()
	s := startServer(t, "")
	s.api(t, "POST", "/api/2.0/mlflow/registered-models/create", map[string]string{"name": "keep"}, nil)
	requests := []struct{ method, path, body string }{
		{"POST", "/api/2.0/mlflow/experiments/search", `{"max_results":10}`},
		{"GET", "/api/2.0/mlflow/registered-models/search", ""},
		{"GET", "/ajax-api/2.0/mlflow/experiments/search?max_results=10", ""},
		{"POST", "/api/2.0/mlflow/experiments/create", `{"name":"planted"}`},
		{"POST", "/ajax-api/2.0/mlflow/registered-models/create", `{"name":"planted"}`},
		{"DELETE", "/api/2.0/mlflow/registered-models/delete", `{"name":"keep"}`},
		{"GET", "/", ""},
	}
	port := strings.TrimPrefix(s.host, "127.0.0.1:")
	served := 0
	for _, host := range []string{"evil.example:" + port, "evil.example", "127.0.0.1.nip.example:" + port, "localhost.evil.example:" + port} {
		for _, r := range requests {
			code, out := s.do(t, r.method, r.path, host, jsonCT, r.body)
			if code != http.StatusForbidden || !strings.Contains(out, `"PERMISSION_DENIED"`) {
				served++
				t.Errorf("%s %s with Host %s: got %d %.200s, want 403 PERMISSION_DENIED", r.method, r.path, host, code, out)
			}
		}
	}
	t.Logf("foreign-Host requests served: %d of %d", served, 4*len(requests))
	// Nothing was planted or deleted: the same calls with our own Host see it.
	var got struct {
		RegisteredModels []struct{ Name string } `json:"registered_models"`
	}
	s.api(t, "GET", "/api/2.0/mlflow/registered-models/search", nil, &got)
	if len(got.RegisteredModels) != 1 || got.RegisteredModels[0].Name != "keep" {
		t.Errorf("registered models after the attack: got %+v, want keep alone", got.RegisteredModels)
	}
	for _, host := range []string{s.host, "localhost:" + port, "[::1]:" + port} {
		if code, out := s.do(t, "GET", "/api/2.0/mlflow/registered-models/search", host, nil, nil); code != 200 {
			t.Errorf("search with Host %s: got %d %.200s, want 200", host, code, out)
		}
	}
	// --allowed-hosts adds a name.
	named := startServer(t, "", "--allowed-hosts", "mlflow.example.com,127.0.0.1")
	if code, _ := named.do(t, "GET", "/api/2.0/mlflow/experiments/search?max_results=1", "mlflow.example.com", nil, nil); code != 200 {
		t.Errorf("a listed host: got %d, want 200", code)
	}
	if code, _ := named.do(t, "GET", "/api/2.0/mlflow/experiments/search?max_results=1", "localhost", nil, nil); code != 403 {
		t.Errorf("localhost when not listed: got %d, want 403", code)
	}
}

// TestCrossSiteWrites posts what another site's page can make a browser
// send without a CORS preflight: a text/plain upload over a model file and
// form posts to the UI. None may change anything.
func TestCrossSiteWrites(t *testing.T) {
	t.Parallel()
	s := startServer(t, "")
	runID := s.newRun(t, "victim")
	upload := "/ajax-api/2.0/mlflow/upload-artifact?run_uuid=" + runID + "&path=model/model.pkl"
	if code, out := s.do(t, "POST", upload, "", map[string]string{"Content-Type": "text/plain"}, "the real model"); code != 200 {
		t.Fatalf("upload from a client: got %d %s", code, out)
	}
	var exp struct {
		ExperimentID string `json:"experiment_id"`
	}
	s.api(t, "POST", "/api/2.0/mlflow/experiments/create", map[string]string{"name": "target"}, &exp)

	attacks := []struct {
		name   string
		method string
		path   string
		header map[string]string
		body   string
	}{
		{"text/plain upload, foreign Origin", "POST", upload,
			map[string]string{"Content-Type": "text/plain", "Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"}, "pwned"},
		{"text/plain upload, cross-site without Origin", "POST", upload,
			map[string]string{"Content-Type": "text/plain", "Sec-Fetch-Site": "cross-site"}, "pwned"},
		{"upload from another localhost port", "POST", upload,
			map[string]string{"Content-Type": "text/plain", "Origin": "http://localhost:8888", "Sec-Fetch-Site": "same-site"}, "pwned"},
		{"multipart upload, foreign Origin", "POST", upload,
			map[string]string{"Content-Type": "multipart/form-data; boundary=x", "Origin": "https://evil.example"},
			"--x\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\npwned\r\n--x--\r\n"},
		{"artifact PUT, foreign Origin", "PUT", "/api/2.0/mlflow-artifacts/artifacts/" + exp.ExperimentID + "/" + runID + "/artifacts/model/model.pkl",
			map[string]string{"Origin": "https://evil.example"}, "pwned"},
		{"form post to the UI, foreign Origin", "POST", "/experiments/" + exp.ExperimentID + "/delete",
			map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Origin": "https://evil.example"}, "x=1"},
		{"form post to the UI, cross-site without Origin", "POST", "/experiments/" + exp.ExperimentID + "/delete",
			map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Site": "cross-site"}, "x=1"},
		{"form post to the UI, null Origin", "POST", "/experiments/" + exp.ExperimentID + "/delete",
			map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Origin": "null"}, "x=1"},
		{"text/plain JSON to the API, foreign Origin", "POST", "/api/2.0/mlflow/experiments/delete",
			map[string]string{"Content-Type": "text/plain", "Origin": "https://evil.example"}, `{"experiment_id":"` + exp.ExperimentID + `"}`},
	}
	writes := 0
	for _, a := range attacks {
		code, out := s.do(t, a.method, a.path, "", a.header, a.body)
		if code != http.StatusForbidden {
			writes++
			t.Errorf("%s: got %d %.200s, want 403", a.name, code, out)
		}
	}
	t.Logf("cross-site writes accepted: %d of %d", writes, len(attacks))
	got, err := os.ReadFile(filepath.Join(s.artifacts, exp.ExperimentID, runID, "artifacts", "model", "model.pkl"))
	if err != nil || string(got) != "the real model" {
		// The run lives in the experiment "victim"; find it wherever it is.
		matches, _ := filepath.Glob(filepath.Join(s.artifacts, "*", runID, "artifacts", "model", "model.pkl"))
		if len(matches) != 1 {
			t.Fatalf("model.pkl: found %d copies, want 1", len(matches))
		}
		got, _ = os.ReadFile(matches[0])
	}
	if string(got) != "the real model" {
		t.Errorf("model.pkl after the attacks: got %q, want the real model", got)
	}
	var e struct {
		Experiment struct {
			LifecycleStage string `json:"lifecycle_stage"`
		} `json:"experiment"`
	}
	s.api(t, "GET", "/api/2.0/mlflow/experiments/get?experiment_id="+exp.ExperimentID, nil, &e)
	if e.Experiment.LifecycleStage != "active" {
		t.Errorf("experiment after the attacks: got %s, want active", e.Experiment.LifecycleStage)
	}
	// The browser's own same-origin requests still work.
	same := map[string]string{"Content-Type": "text/plain", "Origin": s.url, "Sec-Fetch-Site": "same-origin"}
	if code, out := s.do(t, "POST", upload, "", same, "a newer model"); code != 200 {
		t.Errorf("same-origin upload: got %d %s, want 200", code, out)
	}
	form := map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Origin": s.url, "Sec-Fetch-Site": "same-origin"}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequest("POST", s.url+"/experiments/"+exp.ExperimentID+"/delete", strings.NewReader(""))
	for k, v := range form {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("same-origin form post: got %d, want 303", resp.StatusCode)
	}
}

// TestCORS checks that no origin may read by default and that
// --cors-allowed-origins lets one in.
func TestCORS(t *testing.T) {
	t.Parallel()
	s := startServer(t, "", "--cors-allowed-origins", "https://notebook.example.com")
	pre := map[string]string{"Origin": "https://notebook.example.com", "Access-Control-Request-Method": "POST",
		"Access-Control-Request-Headers": "content-type"}
	req, _ := http.NewRequest("OPTIONS", s.url+"/api/2.0/mlflow/runs/create", nil)
	for k, v := range pre {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Origin") != "https://notebook.example.com" {
		t.Errorf("preflight from the allowed origin: got %d %v", resp.StatusCode, resp.Header)
	}
	code, _ := s.do(t, "POST", "/api/2.0/mlflow/experiments/create",
		"", map[string]string{"Content-Type": "application/json", "Origin": "https://notebook.example.com"}, `{"name":"from-notebook"}`)
	if code != 200 {
		t.Errorf("write from the allowed origin: got %d, want 200", code)
	}
}

// concurrent sends n concurrent requests whose bodies are body, each
// streamed from the same bytes, and returns the answers' statuses.
func (s *server) concurrent(t *testing.T, n int, method, path string, header map[string]string, body []byte) map[int]int {
	var mu sync.Mutex
	codes := map[int]int{}
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, _ := s.do(t, method, path, "", header, bytes.NewReader(body))
			mu.Lock()
			codes[code]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	return codes
}

// concurrentRetrying is concurrent with clients that retry 503 as MLflow's
// do (with backoff), so every request gets its real answer in the end.
func (s *server) concurrentRetrying(t *testing.T, n int, method, path string, header map[string]string, body []byte) (codes map[int]int, retries int) {
	var mu sync.Mutex
	codes = map[int]int{}
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, wait := 0, 100*time.Millisecond
			for try := 0; try < 30; try++ {
				if code, _ = s.do(t, method, path, "", header, bytes.NewReader(body)); code != http.StatusServiceUnavailable {
					break
				}
				mu.Lock()
				retries++
				mu.Unlock()
				time.Sleep(wait)
				wait = min(2*wait, 2*time.Second)
			}
			mu.Lock()
			codes[code]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	return codes, retries
}

// TestOversizedBodiesPeakRSS sends 8 concurrent maximum-size bodies of each
// kind (the largest log-batch, the largest body any JSON endpoint takes,
// and bodies over the limit) and asserts the server's peak RSS stays
// under 1 GB.
func TestOversizedBodiesPeakRSS(t *testing.T) {
	t.Parallel()
	s := startServer(t, "")
	runID := s.newRun(t, "rss")
	const limit = 1 << 30

	// A log-batch just under its 24 MiB cap: 1000 metrics whose keys are
	// long, which is decoded in full before validation refuses the keys.
	var b bytes.Buffer
	b.WriteString(`{"run_id":"` + runID + `","metrics":[`)
	key := strings.Repeat("k", (24<<20)/1000-100)
	for i := range 1000 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"key":"%s","value":1.5,"timestamp":1,"step":%d}`, key, i)
	}
	b.WriteString(`]}`)
	batch := b.Bytes()
	codes := s.concurrent(t, 8, "POST", "/api/2.0/mlflow/runs/log-batch", jsonCT, batch)
	t.Logf("8 log-batch bodies of %.1f MiB: statuses %v, peak RSS %.0f MiB", float64(len(batch))/(1<<20), codes, float64(s.peakRSS(t))/(1<<20))

	// Many tiny values: the shape that took 5.6 GB.
	b.Reset()
	b.WriteString(`{"run_id":"` + runID + `","metrics":[`)
	for i := 0; b.Len() < 24<<20-64; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"key":"m","value":1,"timestamp":1}`)
	}
	b.WriteString(`]}`)
	tiny := b.Bytes()
	codes = s.concurrent(t, 8, "POST", "/api/2.0/mlflow/runs/log-batch", jsonCT, tiny)
	if codes[400]+codes[503] != 8 {
		t.Errorf("8 log-batch bodies of tiny metrics: got statuses %v, want all refused", codes)
	}
	t.Logf("8 log-batch bodies of %.1f MiB of tiny metrics: statuses %v, peak RSS %.0f MiB", float64(len(tiny))/(1<<20), codes, float64(s.peakRSS(t))/(1<<20))

	// The largest body a JSON endpoint takes (64 MiB): one string.
	big := []byte(`{"name":"` + strings.Repeat("n", 64<<20-20) + `"}`)
	codes = s.concurrent(t, 8, "POST", "/api/2.0/mlflow/experiments/create", jsonCT, big)
	t.Logf("8 experiments/create bodies of %.1f MiB: statuses %v, peak RSS %.0f MiB", float64(len(big))/(1<<20), codes, float64(s.peakRSS(t))/(1<<20))
	if codes[200] != 0 {
		t.Errorf("experiments/create with a 64 MiB name: got statuses %v, want none accepted", codes)
	}

	// The same with clients that retry as MLflow's do: every body is read
	// and decoded in turn, and gets its real answer.
	codes, retries := s.concurrentRetrying(t, 8, "POST", "/api/2.0/mlflow/experiments/create", jsonCT, big)
	t.Logf("8 retrying experiments/create bodies of %.1f MiB: statuses %v after %d retries, peak RSS %.0f MiB", float64(len(big))/(1<<20), codes, retries, float64(s.peakRSS(t))/(1<<20))
	if codes[400] != 8 {
		t.Errorf("8 retrying experiments/create bodies of 64 MiB: got statuses %v, want 400 (name too long) for all", codes)
	}
	codes, retries = s.concurrentRetrying(t, 8, "POST", "/api/2.0/mlflow/runs/log-batch", jsonCT, batch)
	t.Logf("8 retrying log-batch bodies of %.1f MiB: statuses %v after %d retries, peak RSS %.0f MiB", float64(len(batch))/(1<<20), codes, retries, float64(s.peakRSS(t))/(1<<20))
	if codes[400] != 8 {
		t.Errorf("8 retrying log-batch bodies: got statuses %v, want 400 (key too long) for all", codes)
	}

	// Over the limit: refused before they are read.
	over := make([]byte, 100<<20)
	codes = s.concurrent(t, 8, "POST", "/api/2.0/mlflow/runs/log-batch", jsonCT, over)
	t.Logf("8 log-batch bodies of 100 MiB: statuses %v", codes)
	if codes[400] != 8 {
		t.Errorf("8 log-batch bodies of 100 MiB: got statuses %v, want 400 for all", codes)
	}
	peak := s.peakRSS(t)
	t.Logf("peak RSS after all: %.0f MiB (bar %d MiB)", float64(peak)/(1<<20), limit>>20)
	if peak >= limit {
		t.Errorf("peak RSS: got %d MiB, want under %d MiB", peak>>20, limit>>20)
	}
	// And the server still serves.
	s.api(t, "POST", "/api/2.0/mlflow/runs/log-batch",
		map[string]any{"run_id": runID, "metrics": []map[string]any{{"key": "ok", "value": 1, "timestamp": 1}}}, nil)
}

// TestStalledBodies opens 8 connections that send headers and a little of
// a body, then nothing. Each must be closed within 60 s, and the artifact
// upload among them must leave no temp file.
func TestStalledBodies(t *testing.T) {
	t.Parallel()
	s := startServer(t, "")
	runID := s.newRun(t, "stalled")
	paths := []string{
		"POST /api/2.0/mlflow/runs/log-batch",
		"POST /api/2.0/mlflow/experiments/create",
		"PUT /api/2.0/mlflow-artifacts/artifacts/0/" + runID + "/artifacts/model.bin",
		"POST /ajax-api/2.0/mlflow/upload-artifact?run_uuid=" + runID + "&path=a.txt",
		"POST /api/2.0/mlflow/runs/log-batch",
		"PUT /api/2.0/mlflow-artifacts/artifacts/0/" + runID + "/artifacts/other.bin",
		"POST /experiments/0/delete",
		"POST /api/2.0/mlflow/runs/log-metric",
	}
	var wg sync.WaitGroup
	for _, p := range paths {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn, err := net.Dial("tcp", s.host)
			if err != nil {
				t.Error(err)
				return
			}
			defer conn.Close()
			start := time.Now()
			fmt.Fprintf(conn, "%s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n", p, s.host)
			conn.Write(bytes.Repeat([]byte(" "), 64<<10))
			conn.SetReadDeadline(time.Now().Add(90 * time.Second))
			io.Copy(io.Discard, bufio.NewReader(conn))
			d := time.Since(start)
			t.Logf("%s: closed after %.1f s", p, d.Seconds())
			if d >= 60*time.Second {
				t.Errorf("%s: still open after %v, want closed within 60 s", p, d)
			}
		}()
	}
	wg.Wait()
	temps, _ := filepath.Glob(filepath.Join(s.artifacts, "*", runID, "artifacts", ".upload-*"))
	if len(temps) != 0 {
		t.Errorf("temp files after stalled uploads: got %d, want 0", len(temps))
	}
}

// TestCrashLeftTempFiles kills the server in the middle of an upload and
// starts it again on the same directory: the temp file is removed at
// start, and the artifacts are intact.
func TestCrashLeftTempFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := startServer(t, dir)
	runID := s.newRun(t, "crash")
	put := "/api/2.0/mlflow-artifacts/artifacts/1/" + runID + "/artifacts/"
	if code, out := s.do(t, "PUT", put+"kept.txt", "", nil, "kept"); code != 200 {
		t.Fatalf("upload: got %d %s", code, out)
	}
	conn, err := net.Dial("tcp", s.host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "PUT %smodel.bin HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n\r\n", put, s.host, 100<<20)
	conn.Write(make([]byte, 8<<20))
	pattern := filepath.Join(s.artifacts, "*", runID, "artifacts", ".upload-*")
	var temps []string
	for range 100 {
		if temps, _ = filepath.Glob(pattern); len(temps) > 0 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if len(temps) == 0 {
		t.Fatal("no temp file appeared during the upload")
	}
	s.kill()
	if temps, _ = filepath.Glob(pattern); len(temps) == 0 {
		t.Fatal("the temp file went away with the crash; nothing to test")
	}
	again := startServer(t, dir)
	if temps, _ = filepath.Glob(pattern); len(temps) != 0 {
		t.Errorf("temp files after restart: got %d, want 0", len(temps))
	}
	if !strings.Contains(again.log.String(), "removed upload temp files") {
		t.Errorf("the restart did not log the removal; log:\n%s", again.log)
	}
	if code, out := again.do(t, "GET", put+"kept.txt", "", nil, nil); code != 200 || out != "kept" {
		t.Errorf("kept.txt after restart: got %d %q", code, out)
	}
}
