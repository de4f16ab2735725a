package serve

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// benchHandler scores body through the whole handler (routing, limits,
// decode, predict, encode, metrics) once per iteration.
func benchHandler(b *testing.B, m *Loaded, path, body string) {
	s := mustServer(b, m, nil)
	h := s.Handler()
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	b.ResetTimer()
	for b.Loop() {
		r := httptest.NewRequest("POST", path, strings.NewReader(body))
		r.Host = "localhost:8080" // a local client: the default host allowlist answers it
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatalf("%d %s", w.Code, w.Body)
		}
	}
}

func BenchmarkInvocationsOneRow(b *testing.B) {
	p := mustPredictor(b)
	m, err := NewPredictorModel(p)
	if err != nil {
		b.Fatal(err)
	}
	l := &Loaded{Model: m, Name: "bank", Version: "1"}
	b.Run("dataframe_split", func(b *testing.B) {
		benchHandler(b, l, "/invocations", `{"dataframe_split": {"columns": ["age", "job", "balance", "member"], "data": [[47, "manager", 1200, true]]}}`)
	})
	b.Run("dataframe_records", func(b *testing.B) {
		benchHandler(b, l, "/invocations", `{"dataframe_records": [{"age": 47, "job": "manager", "balance": 1200, "member": true}]}`)
	})
	b.Run("oip", func(b *testing.B) {
		benchHandler(b, l, "/v2/models/bank/infer", `{"inputs": [{"name": "age", "shape": [1], "datatype": "INT64", "data": [47]}, {"name": "job", "shape": [1], "datatype": "BYTES", "data": ["manager"]}, {"name": "balance", "shape": [1], "datatype": "INT64", "data": [1200]}, {"name": "member", "shape": [1], "datatype": "BOOL", "data": [true]}]}`)
	})
}

func BenchmarkInvocationsHundredRows(b *testing.B) {
	p := mustPredictor(b)
	m, err := NewPredictorModel(p)
	if err != nil {
		b.Fatal(err)
	}
	var sb strings.Builder
	sb.WriteString(`{"dataframe_split": {"columns": ["age", "job", "balance", "member"], "data": [`)
	for i := range 100 {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(`[47, "manager", 1200, true]`)
	}
	sb.WriteString(`]}}`)
	benchHandler(b, &Loaded{Model: m, Name: "bank", Version: "1"}, "/invocations", sb.String())
}
