package serve

import (
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// splitBody is a dataframe_split body of n rows of the fake model.
func splitBody(n int) string {
	return `{"dataframe_split": {"columns": ["age", "job", "balance"], "data": [` +
		strings.Repeat(`[30, "admin.", 1.5],`, n-1) + `[30, "admin.", 1.5]]}}`
}

func TestValueBound(t *testing.T) {
	big := strings.Repeat("[0,0,0],", 4096)
	tests := []struct {
		name string
		body string
		csv  bool
		want int64
	}{
		{"small body: every byte", `{"a":[1,2]}`, false, 12},
		{"counted JSON", big, false, 4096*3 + 4096},
		{"counted CSV", strings.Repeat("1,2,3\n", 4096), true, 4096*2 + 1 + 4096},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := valueBound([]byte(tt.body), tt.csv); got < tt.want {
				t.Errorf("valueBound = %d, want at least %d", got, tt.want)
			}
		})
	}
}

func TestMemoryBudgetTooLarge(t *testing.T) {
	s := mustServer(t, loadedFake(newFakeModel(), "1"), func(s *Server) { s.MemoryBudget = 256 << 10 })
	for _, tc := range []struct{ path, body, want string }{
		{"/invocations", splitBody(2000), `"error_code":"INVALID_PARAMETER_VALUE"`},
		{"/invocations", `{"instances": [` + strings.Repeat(`{"age": 30, "job": "x"},`, 1999) + `{"age": 30, "job": "x"}]}`, "--memory-budget"},
		{"/v2/models/bank/infer", `{"inputs": [{"name": "age", "shape": [3000], "datatype": "INT64", "data": [` + strings.Repeat("30,", 2999) + `30]}]}`, `{"error":"The request needs about`},
	} {
		got := do(t, s.Handler(), "POST", tc.path, "application/json", tc.body)
		if got.code != 413 || !strings.Contains(got.body, tc.want) {
			t.Errorf("POST %s of %d bytes = %d %s, want 413 with %s", tc.path, len(tc.body), got.code, got.body, tc.want)
		}
	}
	if got := do(t, s.Handler(), "POST", "/invocations", "application/json", splitBody(2)); got.code != 200 {
		t.Errorf("small request after refusals = %d %s, want 200 (the budget must be given back)", got.code, got.body)
	}
	if u := s.budget.used.Load(); u != 0 {
		t.Errorf("budget in use after all requests = %d, want 0", u)
	}
}

func TestMemoryBudgetBusy(t *testing.T) {
	m, entered, release := gatedModel()
	s := mustServer(t, &Loaded{Model: m, Name: "bank", Version: "1"}, func(s *Server) { s.MemoryBudget = 1 << 20 })
	body := splitBody(2000) // ~40 kB: about 0.8 MiB of budget
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if got := do(t, s.Handler(), "POST", "/invocations", "application/json", body); got.code != 200 {
			t.Errorf("first request = %d %s, want 200", got.code, got.body)
		}
	}()
	<-entered
	r := httptest.NewRequest("POST", "/invocations", strings.NewReader(body))
	r.Host = "localhost"
	r.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	done := make(chan struct{})
	go func() { s.Handler().ServeHTTP(w, r); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		close(release)
		<-done
		t.Fatalf("second request was admitted while the first held the budget")
	}
	if w.Code != 429 || !strings.Contains(w.Body.String(), "RESOURCE_EXHAUSTED") || w.Header().Get("Retry-After") == "" {
		t.Errorf("second request while the first holds the budget = %d %s (Retry-After %q), want 429 RESOURCE_EXHAUSTED with Retry-After",
			w.Code, w.Body.String(), w.Header().Get("Retry-After"))
	}
	close(release)
	wg.Wait()
	if got := do(t, s.Handler(), "POST", "/invocations", "application/json", body); got.code != 200 {
		t.Errorf("request after the first finished = %d, want 200", got.code)
	}
}

func TestMemoryBudgetChunkedBody(t *testing.T) {
	s := mustServer(t, loadedFake(newFakeModel(), "1"), func(s *Server) { s.MemoryBudget = 64 << 10 })
	r := httptest.NewRequest("POST", "/invocations", strings.NewReader(splitBody(4000)))
	r.Host = "localhost"
	r.ContentLength = -1
	r.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, r)
	if w.Code != 413 {
		t.Errorf("chunked body over the budget = %d %s, want 413", w.Code, w.Body.String())
	}
}

// TestLongStringsAreNotKept: the strings a column keeps between requests
// (to decode categories without allocating) are short, so a client
// sending long strings leaves nothing behind.
func TestLongStringsAreNotKept(t *testing.T) {
	s := mustServer(t, loadedFake(newFakeModel(), "1"), nil)
	long := strings.Repeat("x", 4096)
	for i := range 20 {
		body := `{"dataframe_split": {"columns": ["age", "job"], "data": [[30, "` + long + strings.Repeat("y", i) + `"], [31, "admin."]]}}`
		if got := do(t, s.Handler(), "POST", "/invocations", "application/json", body); got.code != 200 {
			t.Fatalf("long string = %d %s", got.code, got.body)
		}
	}
	tab := s.current.Load().schema.strs[1].Load()
	if tab == nil || len(*tab) != 1 {
		t.Fatalf("job's kept strings: %d, want 1 (admin.)", lenOf(tab))
	}
	for k := range *tab {
		if len(k) > maxInternedLen {
			t.Errorf("a string of %d bytes is kept", len(k))
		}
	}
}
