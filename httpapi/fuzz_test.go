package httpapi

import (
	"net/http"
	"testing"
)

// FuzzLogBatch feeds arbitrary bodies to log-batch, whose elements are
// decoded by the hand-written scanner: any input must give 200 or a 400
// error, never a panic or a 500.
func FuzzLogBatch(f *testing.F) {
	for _, seed := range []string{
		`{"run_id":"r","metrics":[{"key":"a","value":1,"timestamp":2}]}`,
		`{"run_id":"r","metrics":[{"key":"a\"}","value":"NaN","timestamp":"2","x":[{"y":"]"}]}],"params":[{"key":"p","value":"v"}]}`,
		`{"run_id":"r","metrics":[1,null,"x",[],{}],"tags":[{"key":null}]}`,
		`"{\"run_id\":\"r\"}"`,
		`{"metrics":[{"k\u0065y":"a","value":1e400,"timestamp":1.0}]}`,
	} {
		f.Add(seed)
	}
	var last any
	h := newTestServer(f, recordingFake(&last)).Handler()
	f.Fuzz(func(t *testing.T, body string) {
		rec := do(t, h, "POST", "/api/2.0/mlflow/runs/log-batch", "application/json", body)
		if rec.Code != http.StatusOK && rec.Code != http.StatusBadRequest {
			t.Fatalf("body %q: status %d %s", body, rec.Code, rec.Body)
		}
	})
}
