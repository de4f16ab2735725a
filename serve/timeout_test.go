package serve

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestSlowClientsAreCut: a client that stops sending its headers or its
// body, or idles on a keep-alive connection, loses the connection within
// the configured timeout.
func TestSlowClientsAreCut(t *testing.T) {
	s := mustOpen(t, loadedFake(newFakeModel(), "1"), func(s *Server) {
		s.RequestTimeout = 300 * time.Millisecond
		s.ReadHeaderTimeout = 200 * time.Millisecond
		s.IdleTimeout = 200 * time.Millisecond
	})
	defer s.Close()
	addr := strings.TrimPrefix(s.URL(), "http://")
	tests := []struct {
		name, send string
		wantStatus int // 0: closed without an answer
	}{
		{"stalled headers", "POST /invocations HTTP/1.1\r\nHost: localhost\r\nContent-Ty", 0},
		{"stalled scoring body", "POST /invocations HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"instances\": [", 504},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			start := time.Now()
			if _, err := io.WriteString(c, tt.send); err != nil {
				t.Fatal(err)
			}
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			took := time.Since(start)
			if took > 2*time.Second {
				t.Errorf("the connection stayed open %v", took)
			}
			switch {
			case tt.wantStatus == 0 && err == nil && resp.StatusCode < 400:
				t.Errorf("got %d, want the connection closed or an error status", resp.StatusCode)
			case tt.wantStatus != 0 && (err != nil || resp.StatusCode != tt.wantStatus):
				t.Errorf("got %v %v, want %d", resp, err, tt.wantStatus)
			}
		})
	}
	t.Run("idle keep-alive", func(t *testing.T) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		io.WriteString(c, "GET /ping HTTP/1.1\r\nHost: localhost\r\n\r\n")
		br := bufio.NewReader(c)
		resp, err := http.ReadResponse(br, nil)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("ping: %v %v", resp, err)
		}
		io.Copy(io.Discard, resp.Body)
		start := time.Now()
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := br.ReadByte(); err == nil {
			t.Fatal("the server sent bytes on an idle connection")
		} else if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Fatalf("the idle connection was not closed within 5 s")
		}
		if took := time.Since(start); took > 2*time.Second {
			t.Errorf("idle connection closed after %v, want about 200ms", took)
		}
	})
}
