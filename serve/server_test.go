package serve

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// mustServer returns an initialised Server over m (not listening); tests
// call its Handler. configure may change fields before Init.
func mustServer(tb testing.TB, m *Loaded, configure func(*Server)) *Server {
	tb.Helper()
	s := NewServer()
	s.Model = m
	s.Logger = discardLogger()
	if configure != nil {
		configure(s)
	}
	if err := s.Init(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

type response struct {
	code        int
	contentType string
	body        string
}

func do(tb testing.TB, h http.Handler, method, path, contentType, body string) response {
	tb.Helper()
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	r.Host = "localhost:8080" // a local client: the default host allowlist answers it
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return response{w.Code, w.Header().Get("Content-Type"), w.Body.String()}
}

func TestPingHealthVersion(t *testing.T) {
	s := mustServer(t, loadedFake(newFakeModel(), "1"), nil)
	for _, path := range []string{"/ping", "/health"} {
		got := do(t, s.Handler(), "GET", path, "", "")
		if got.code != 200 || got.body != "\n" || got.contentType != "application/json" {
			t.Errorf("GET %s = %d %q %q, want 200 %q application/json", path, got.code, got.body, got.contentType, "\n")
		}
	}
	if got := do(t, s.Handler(), "GET", "/version", "", ""); got.code != 200 || got.body == "" {
		t.Errorf("GET /version = %d %q, want 200 and a version", got.code, got.body)
	}
	if got := do(t, s.Handler(), "GET", "/nope", "", ""); got.code != 404 || !strings.Contains(got.body, "ENDPOINT_NOT_FOUND") {
		t.Errorf("GET /nope = %d %q, want 404 ENDPOINT_NOT_FOUND", got.code, got.body)
	}
}

const wantTwo = `{"predictions":[{"probability":0.3,"label":"no"},{"probability":0.6,"label":"yes"}]}`

func TestInvocationsFormats(t *testing.T) {
	tests := []struct {
		name, contentType, body string
	}{
		{"dataframe_split", "application/json",
			`{"dataframe_split": {"columns": ["age", "job", "balance"], "data": [[30, "admin.", 1.5], [60, "retired", null]]}}`},
		{"dataframe_split with index and charset", "application/json; charset=utf-8",
			`{"dataframe_split": {"index": [0, 1], "columns": ["job", "age"], "data": [["admin.", 30], ["retired", 60.0]]}}`},
		{"dataframe_split without columns", "application/json",
			`{"dataframe_split": {"data": [[30, "admin.", 1.5], [60, "retired", null]]}}`},
		{"dataframe_records", "application/json",
			`{"dataframe_records": [{"age": 30, "job": "admin.", "balance": 1.5}, {"age": 60, "job": "retired"}]}`},
		{"instances as records", "application/json",
			`{"instances": [{"age": 30, "job": "admin."}, {"age": 60, "job": "retired", "balance": 2}]}`},
		{"inputs as columns", "application/json",
			`{"inputs": {"job": ["admin.", "retired"], "age": [30, 60], "balance": [1.5, null]}}`},
		{"inputs as columns", "application/json",
			`{"inputs": {"age": [30, 60], "job": ["admin.", "retired"]}}`},
		{"inputs as records with params", "application/json",
			`{"inputs": [{"age": 30, "job": "admin."}, {"age": 60, "job": "retired"}], "params": {"x": 1}}`},
		{"extra column ignored", "application/json",
			`{"dataframe_records": [{"age": 30, "job": "admin.", "zip": 1}, {"age": 60, "job": "retired", "zip": 2}]}`},
		{"csv", "text/csv",
			"age,job,balance\n30,admin.,1.5\n60,retired,\n"},
		{"csv reordered", "text/csv; charset=UTF-8",
			"job,age\nadmin.,30\nretired,60\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newFakeModel()
			s := mustServer(t, loadedFake(m, "1"), nil)
			got := do(t, s.Handler(), "POST", "/invocations", tt.contentType, tt.body)
			if got.code != 200 || got.body != wantTwo {
				t.Fatalf("POST /invocations = %d %s, want 200 %s", got.code, got.body, wantTwo)
			}
			rows := m.lastRows()
			if job, ok := rows[1][1].(string); !ok || job != "retired" {
				t.Errorf("row 1 job = %#v, want \"retired\"", rows[1][1])
			}
		})
	}
}

func TestInvocationsTypedValues(t *testing.T) {
	m := newFakeModel()
	s := mustServer(t, loadedFake(m, "1"), nil)
	got := do(t, s.Handler(), "POST", "/invocations", "application/json",
		`{"dataframe_split": {"columns": ["age", "job", "balance"], "data": [[30, "admin.", 7], [60.0, "x", "NaN"]]}}`)
	if got.code != 200 {
		t.Fatalf("code %d %s", got.code, got.body)
	}
	rows := m.lastRows()
	if v, ok := rows[0][2].(float64); !ok || v != 7 {
		t.Errorf("balance = %#v, want float64 7", rows[0][2])
	}
	if v, ok := rows[1][0].(int64); !ok || v != 60 {
		t.Errorf("age = %#v, want int64 60", rows[1][0])
	}
	if v, ok := rows[1][2].(float64); !ok || v == v {
		t.Errorf("balance = %#v, want NaN", rows[1][2])
	}
}

func TestInvocationsErrors(t *testing.T) {
	tests := []struct {
		name, contentType, body string
		wantCode                int
		wantType                string
		wantIn                  []string
	}{
		{"top-level list", "application/json", `[{"age": 1}]`, 400, "application/json", []string{"BAD_REQUEST", "exactly one of"}},
		{"no format key", "application/json", `{"data": []}`, 400, "application/json", []string{"BAD_REQUEST", "exactly one of"}},
		{"two format keys", "application/json", `{"instances": [], "inputs": []}`, 400, "application/json", []string{"BAD_REQUEST", "instances"}},
		{"invalid json", "application/json", `{"instances": [`, 400, "application/json", []string{"BAD_REQUEST", "valid JSON"}},
		{"missing column", "application/json", `{"dataframe_records": [{"job": "x"}]}`, 400, "application/json", []string{"INVALID_PARAMETER_VALUE", `missing inputs [\"age\"]`}},
		{"wrong type", "application/json", `{"dataframe_records": [{"age": "old", "job": "x"}]}`, 400, "application/json", []string{"INVALID_PARAMETER_VALUE", `column \"age\": expected long, got string`}},
		{"fraction in long", "application/json", `{"dataframe_records": [{"age": 30.5, "job": "x"}]}`, 400, "application/json", []string{"INVALID_PARAMETER_VALUE", `column \"age\"`, "integer"}},
		{"number for string", "application/json", `{"instances": [{"age": 30, "job": 7}]}`, 400, "application/json", []string{`column \"job\": expected string, got number 7`}},
		{"row too short", "application/json", `{"dataframe_split": {"data": [[30, "x"]]}}`, 400, "application/json", []string{"row 0 has 2 values"}},
		{"instances as rows of values", "application/json", `{"instances": [[30, "admin.", 1.5]]}`, 400, "application/json", []string{`'instances' row 0 is a list of values, which are not matched to the model's 3 input columns by position`, `{\"age\": ...`}},
		{"inputs as rows of values", "application/json", `{"inputs": [["admin.", 30, 1.5]]}`, 400, "application/json", []string{`'inputs' row 0 is a list of values`}},
		{"split row length", "application/json", `{"dataframe_split": {"columns": ["age", "job"], "data": [[30]]}}`, 400, "application/json", []string{"row 0"}},
		{"params not an object", "application/json", `{"instances": [{"age": 30, "job": "x"}], "params": [1]}`, 400, "application/json", []string{"'params'"}},
		{"unequal columns", "application/json", `{"inputs": {"age": [1, 2], "job": ["x"]}}`, 400, "application/json", []string{"has 1 values, others have 2"}},
		{"csv missing column", "text/csv", "job\nx\n", 400, "application/json", []string{`missing inputs [\"age\"]`}},
		{"csv bad number", "text/csv", "age,job\nold,x\n", 400, "application/json", []string{"CSV line 2", `column \"age\"`}},
		{"csv ragged", "text/csv", "age,job\n1,x,3\n", 400, "application/json", []string{"Invalid CSV"}},
		{"content type", "text/plain", "hi", 415, "text/plain; charset=utf-8", []string{"only supports the following content types"}},
		{"no content type", "", "hi", 415, "text/plain; charset=utf-8", []string{"only supports"}},
		{"charset", "application/json; charset=latin-1", "{}", 415, "text/plain; charset=utf-8", []string{"only supports UTF-8"}},
		{"unknown parameter", "application/json; format=pandas-split", "{}", 415, "text/plain; charset=utf-8", []string{"Unrecognized content type parameters: format"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustServer(t, loadedFake(newFakeModel(), "1"), nil)
			got := do(t, s.Handler(), "POST", "/invocations", tt.contentType, tt.body)
			if got.code != tt.wantCode || got.contentType != tt.wantType {
				t.Errorf("got %d %q, want %d %q; body %s", got.code, got.contentType, tt.wantCode, tt.wantType, got.body)
			}
			for _, w := range tt.wantIn {
				if !strings.Contains(got.body, w) {
					t.Errorf("body %s does not contain %s", got.body, w)
				}
			}
		})
	}
}

func TestStrictColumns(t *testing.T) {
	s := mustServer(t, loadedFake(newFakeModel(), "1"), func(s *Server) { s.StrictColumns = true })
	got := do(t, s.Handler(), "POST", "/invocations", "application/json", `{"dataframe_records": [{"age": 30, "job": "x", "zip": 1}]}`)
	if got.code != 400 || !strings.Contains(got.body, `input column \"zip\" is not in the model signature`) {
		t.Errorf("got %d %s, want 400 naming zip", got.code, got.body)
	}
}

func TestBodyTooLarge(t *testing.T) {
	s := mustServer(t, loadedFake(newFakeModel(), "1"), func(s *Server) { s.MaxBodyBytes = 64 })
	body := `{"instances": [` + strings.Repeat(`[30, "x", 1],`, 20) + `[30, "x", 1]]}`
	got := do(t, s.Handler(), "POST", "/invocations", "application/json", body)
	if got.code != 413 || !strings.Contains(got.body, "larger than the server's limit of 64 bytes") {
		t.Errorf("got %d %s, want 413", got.code, got.body)
	}
	// Without Content-Length the limit is found while reading.
	r := httptest.NewRequest("POST", "/invocations", io.MultiReader(strings.NewReader(body)))
	r.Host = "localhost:8080" // a local client: the default host allowlist answers it
	r.ContentLength = -1
	r.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, r)
	if w.Code != 413 {
		t.Errorf("chunked: got %d %s, want 413", w.Code, w.Body)
	}
}

func TestTimeout(t *testing.T) {
	m := newFakeModel()
	release := make(chan struct{})
	m.predict = func(rows [][]any, out []Prediction) error {
		<-release
		return agePredict(rows, out)
	}
	// A real server: the 504 must reach the client while the model is
	// still busy, not when it finishes.
	s := mustOpen(t, &Loaded{Model: m, Name: "bank", Version: "1"}, func(s *Server) { s.RequestTimeout = 50 * time.Millisecond })
	defer s.Close()
	defer close(release)
	code, body, err := post(s.URL(), `{"instances": [{"age": 30, "job": "x", "balance": 1}]}`)
	if err != nil || code != 504 || !strings.Contains(body, "Request processing time exceeded limit") || !strings.Contains(body, "DEADLINE_EXCEEDED") {
		t.Errorf("got %d %s %v, want 504", code, body, err)
	}
	resp, err := http.Post(s.URL()+"/v2/models/bank/infer", "application/json", strings.NewReader(
		`{"inputs": [{"name": "age", "shape": [1], "datatype": "INT64", "data": [1]}, {"name": "job", "shape": [1], "datatype": "BYTES", "data": ["x"]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 504 || !strings.HasPrefix(string(b), `{"error":`) {
		t.Errorf("OIP got %d %s, want 504 {\"error\": ...}", resp.StatusCode, b)
	}
	if n := s.Metrics.timeouts.Load(); n != 2 {
		t.Errorf("timeouts = %d, want 2", n)
	}
}

func TestModelError(t *testing.T) {
	m := newFakeModel()
	m.predict = func([][]any, []Prediction) error { return io.ErrUnexpectedEOF }
	s := mustServer(t, &Loaded{Model: m, Name: "bank", Version: "1"}, nil)
	got := do(t, s.Handler(), "POST", "/invocations", "application/json", `{"instances": [{"age": 30, "job": "x", "balance": 1}]}`)
	if got.code != 400 || !strings.Contains(got.body, "unexpected error while evaluating the model") || strings.Contains(got.body, "EOF") {
		t.Errorf("got %d %s, want 400 with a generic message and no internal detail", got.code, got.body)
	}
}

func TestEmptyInput(t *testing.T) {
	s := mustServer(t, loadedFake(newFakeModel(), "1"), nil)
	// Named columns and no rows score nothing; no records name no
	// columns, so required ones are missing, as in MLflow.
	got := do(t, s.Handler(), "POST", "/invocations", "application/json", `{"dataframe_split": {"columns": ["age", "job"], "data": []}}`)
	if got.code != 200 || got.body != `{"predictions":[]}` {
		t.Errorf("got %d %s, want 200 empty predictions", got.code, got.body)
	}
	got = do(t, s.Handler(), "POST", "/invocations", "application/json", `{"dataframe_records": []}`)
	if got.code != 400 || !strings.Contains(got.body, "missing inputs") {
		t.Errorf("got %d %s, want 400 missing inputs", got.code, got.body)
	}
}

func TestInitRefusesBrokenModel(t *testing.T) {
	bad := newFakeModel()
	bad.predict = func([][]any, []Prediction) error { return io.EOF }
	dup := newFakeModel()
	dup.cols = append(dup.cols, Column{Name: "age", Type: TypeLong})
	tests := map[string]*Loaded{
		"nil model":       {Name: "x"},
		"no name":         {Model: newFakeModel()},
		"fails example":   loadedFake(bad, "1"),
		"duplicate input": {Model: dup, Name: "x"},
		"short example":   {Model: newFakeModel(), Name: "x", Example: [][]any{{int64(1)}}},
	}
	for name, m := range tests {
		s := NewServer()
		s.Model = m
		if err := s.Init(); err == nil {
			t.Errorf("%s: Init succeeded, want an error", name)
			s.Close()
		}
	}
}

func decodeJSON(tb testing.TB, s string, v any) {
	tb.Helper()
	if err := json.Unmarshal([]byte(s), v); err != nil {
		tb.Fatalf("%v in %s", err, s)
	}
}
