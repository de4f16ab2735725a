package httpapi

import (
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
)

// countValues is the plain reference: one byte at a time over the whole text.
func countValues(s string) int {
	n, inString, escaped := 0, false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case inString && c == '"':
			inString = false
		case inString:
		case c == '"':
			inString = true
		case c == '{' || c == '[' || c == ',':
			n++
		}
	}
	return n
}

func TestValueCounterInPieces(t *testing.T) {
	texts := []string{
		`{"run_id":"r","metrics":[{"key":"a","value":1},{"key":"b","value":2}]}`,
		`{"k":"a,b,{c}[d]","v":["x","y",{"z":[1,2,3]}]}`,
		`{"k":"quote \" inside, {not} [values]","v":[1,2]}`,
		`{"k":"backslash at the end \\","v":[1,2]}`,
		`{"k":"three \\\" and more, {}","v":[1,2,3]}`,
		`{"k":"` + strings.Repeat(`\\`, 7) + `\", still inside, [","v":{}}`,
		`"{\"double\":[1,2,3]}"`,
		`[` + strings.Repeat(`{},`, 1000) + `{}]`,
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, text := range texts {
		want := countValues(text)
		for range 50 {
			var c valueCounter
			for rest := text; rest != ""; {
				k := 1 + rng.IntN(min(len(rest), 7))
				c.feed([]byte(rest[:k]))
				rest = rest[k:]
			}
			if c.n != want {
				t.Fatalf("%.60s in pieces: got %d values, want %d", text, c.n, want)
			}
		}
	}
}

// endless is a log-batch body of tiny metrics that never ends, given at most
// 64 KiB a read as a network connection would; it counts what was read.
type endless struct{ read int }

func (e *endless) Read(p []byte) (int, error) {
	const head, item = `{"run_id":"r","metrics":[`, `{"key":"m","value":1,"timestamp":1},`
	p = p[:min(len(p), 64<<10)]
	n := 0
	for {
		s := item
		if e.read+n == 0 {
			s = head
		}
		if n+len(s) > len(p) {
			break // whole items only, so the text stays valid JSON
		}
		n += copy(p[n:], s)
	}
	e.read += n
	return n, nil
}

// TestValuesCountedWhileReading: a body of endless tiny values is refused
// once it passes the count, long before the size cap.
func TestValuesCountedWhileReading(t *testing.T) {
	s := secureServer(t, nil)
	body := &endless{}
	req, _ := http.NewRequest("POST", "/api/2.0/mlflow/runs/log-batch", io.NopCloser(body))
	req.Host = "127.0.0.1:5000"
	req.Header.Set("Content-Type", "application/json")
	req.ContentLength = LogBatchMaxBytes
	rec := sendRequest(s, req)
	if rec.Code != 400 || !strings.Contains(rec.Body.String(), "more than 100000 JSON values") {
		t.Errorf("got %d %s, want 400 naming the count", rec.Code, rec.Body)
	}
	t.Logf("refused after reading %d bytes", body.read)
	if body.read > 8<<20 {
		t.Errorf("read %d bytes before refusing, want about 100000 values' worth (under 8 MiB)", body.read)
	}
}
