package httpapi

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// TestTraversalOverTheWire sends the traversal corpus of
// artifacts_traversal_test.go to a listening server as raw HTTP/1.1 bytes,
// with every check of the front door on: from this server's own Host each
// attempt gets 400 INVALID_PARAMETER_VALUE, from a foreign Host or a
// foreign Origin 403, and nothing on disk changes.
func TestTraversalOverTheWire(t *testing.T) {
	s, tmp := newTraversalServer(t)
	s.Addr = "127.0.0.1:0"
	if err := s.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	addr := strings.TrimPrefix(s.URL(), "http://")
	before := mustTree(t, tmp)

	const api = "/api/2.0/mlflow-artifacts"
	var targets []struct{ method, target, body string }
	for _, p := range traversalURLPaths {
		targets = append(targets,
			struct{ method, target, body string }{"PUT", api + "/artifacts/" + p, "data"},
			struct{ method, target, body string }{"GET", api + "/artifacts/" + p, ""},
			struct{ method, target, body string }{"DELETE", api + "/artifacts/" + p, ""})
	}
	for _, p := range traversalValues {
		q := url.QueryEscape(p)
		targets = append(targets,
			struct{ method, target, body string }{"GET", "/get-artifact?run_id=r1&path=" + q, ""},
			struct{ method, target, body string }{"POST", "/ajax-api/2.0/mlflow/upload-artifact?run_uuid=r1&path=" + q, "data"})
	}
	sent, escapes := 0, 0
	for _, rq := range targets {
		for _, v := range []struct {
			name, host, origin string
			status             int
			code               string
		}{
			{"own host", addr, "", http.StatusBadRequest, "INVALID_PARAMETER_VALUE"},
			{"foreign host", "evil.example", "", http.StatusForbidden, "PERMISSION_DENIED"},
			{"foreign origin", addr, "http://evil.example", http.StatusForbidden, "PERMISSION_DENIED"},
		} {
			if v.origin != "" && rq.method == "GET" {
				continue // reads are not cross-site writes
			}
			sent++
			status, body := rawRequest(t, addr, rq.method, rq.target, v.host, v.origin, rq.body)
			var got struct {
				ErrorCode string `json:"error_code"`
			}
			json.Unmarshal([]byte(body), &got)
			if status != v.status || got.ErrorCode != v.code {
				escapes++
				t.Errorf("%s %s (%s): got %d %.200s, want %d %s", rq.method, rq.target, v.name, status, body, v.status, v.code)
			}
		}
	}
	t.Logf("%d requests, %d answered otherwise than refused", sent, escapes)
	if after := mustTree(t, tmp); !slices.Equal(after, before) {
		t.Errorf("files changed:\n got %v\nwant %v", after, before)
	}
}

// rawRequest writes one request exactly as given and reads the answer.
func rawRequest(t *testing.T, addr, method, target, host, origin, body string) (int, string) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	head := fmt.Sprintf("%s %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\nConnection: close\r\n", method, target, host, len(body))
	if origin != "" {
		head += "Origin: " + origin + "\r\n"
	}
	io.WriteString(conn, head+"\r\n"+body)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
