package serve

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestPostLabels(t *testing.T) {
	d := NewDriftMonitor(mustReference(t, 1000))
	d.Window, d.MinRows, d.Interval = 1000, 10, time.Hour
	s := mustServer(t, loadedFake(newFakeModel(), "1"), func(s *Server) { s.Drift = d })

	// 100 rows, ages 20..69: the fake scores age/100, and the label is
	// age ≥ 45, so the scores rank the labels perfectly.
	var body, labels strings.Builder
	body.WriteString("age,job,balance\n")
	labels.WriteString("request_id,row,label\n")
	for i := range 100 {
		age := 20 + i/2
		fmt.Fprintf(&body, "%d,admin.,%d\n", age, i)
		if i < 80 { // the last 20 rows stay unlabelled
			fmt.Fprintf(&labels, "req-1,%d,%v\n", i, age >= 45)
		}
	}
	r := httptest.NewRequest("POST", "/invocations", strings.NewReader(body.String()))
	r.Host = "localhost:8080" // a local client: the default host allowlist answers it
	r.Header.Set("Content-Type", "text/csv")
	r.Header.Set("X-Request-Id", "req-1")
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, r)
	if w.Code != 200 {
		t.Fatalf("invocations: %d %s", w.Code, w.Body)
	}

	got := do(t, s.Handler(), "POST", "/labels", "text/csv", labels.String())
	if want := `{"labels":80,"matched":80}`; got.code != 200 || strings.TrimSpace(got.body) != want {
		t.Errorf("POST /labels = %d %s, want 200 %s", got.code, got.body, want)
	}
	got = do(t, s.Handler(), "POST", "/labels", "application/json", `{"request_id": "req-1", "row": 99, "label": 1}`+"\n"+`{"request_id": "other", "label": 0}`)
	if want := `{"labels":2,"matched":1}`; got.code != 200 || strings.TrimSpace(got.body) != want {
		t.Errorf("POST /labels JSON = %d %s, want 200 %s", got.code, got.body, want)
	}
	if err := d.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	g := gauges(t, s)
	if v := g[`weir_model_roc_auc{model="bank",version="1"}`]; v != 1 {
		t.Errorf("weir_model_roc_auc = %v, want 1 (gauges %v)", v, g)
	}
	if v := g[`weir_labelled_rows{model="bank",version="1"}`]; v != 81 {
		t.Errorf("weir_labelled_rows = %v, want 81", v)
	}

	for _, tt := range []struct{ name, ct, body string }{
		{"bad label", "text/csv", "request_id,label\nx,maybe\n"},
		{"bad JSON", "application/json", "{"},
	} {
		if got := do(t, s.Handler(), "POST", "/labels", tt.ct, tt.body); got.code != 400 || !strings.Contains(got.body, "INVALID_PARAMETER_VALUE") {
			t.Errorf("%s: %d %s, want 400 INVALID_PARAMETER_VALUE", tt.name, got.code, got.body)
		}
	}
}

func TestPostLabelsWithoutDrift(t *testing.T) {
	s := mustServer(t, loadedFake(newFakeModel(), "1"), nil)
	if got := do(t, s.Handler(), "POST", "/labels", "text/csv", "request_id,label\nx,1\n"); got.code != 404 {
		t.Errorf("POST /labels without drift monitoring = %d %s, want 404", got.code, got.body)
	}
}
