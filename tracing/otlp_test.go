package tracing

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

var fixtures = filepath.Join("..", "tests", "reference", "fixtures", "otlp")

func mustRead(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(fixtures, name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// TestOTLP decodes a request that OpenTelemetry's own classes wrote, in
// both its forms, and writes each span as MLflow's server answers it.
func TestOTLP(t *testing.T) {
	bin, err := DecodeOTLP(mustRead(t, "request.bin"))
	if err != nil {
		t.Fatal(err)
	}
	js, err := DecodeOTLPJSON(mustRead(t, "request.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(bin, js) {
		t.Fatalf("protobuf and JSON forms decode differently:\n%+v\n%+v", bin, js)
	}
	var want []any
	if err := json.Unmarshal(mustRead(t, "spans.json"), &want); err != nil {
		t.Fatal(err)
	}
	if got, want := len(bin), len(want); got != want {
		t.Fatalf("%d spans, want %d", got, want)
	}
	for i := range bin {
		var got any
		b := bin[i].AppendJSON(nil)
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("span %d: %v in %s", i, err, b)
		}
		if !reflect.DeepEqual(got, want[i]) {
			t.Errorf("span %d:\n got %s\nwant %v", i, b, want[i])
		}
	}
	if got, want := bin[0].MLflowTraceID(), "tr-0102030405060708090a0b0c0d0e0f10"; got != want {
		t.Errorf("MLflow trace id %q, want %q", got, want)
	}
	if got, want := bin[1].MLflowTraceID(), "tr-0102030405060708090a0b0c0d0e0f10"; got != want {
		t.Errorf("trace id of a span without the attribute %q, want %q (from OpenTelemetry's trace id)", got, want)
	}
	if got, want := bin[1].Type(), "TOOL"; got != want {
		t.Errorf("span type %q, want %q", got, want)
	}
	if got, want := bin[1].StatusName(), "ERROR"; got != want {
		t.Errorf("status %q, want %q", got, want)
	}
}

// TestOTLPBadInput refuses malformed requests with a message, never a
// panic: every truncation of a valid request, and hand-made bad ones.
func TestOTLPBadInput(t *testing.T) {
	good := mustRead(t, "request.bin")
	for n := 1; n < len(good); n++ {
		if spans, err := DecodeOTLP(good[:n]); err == nil && len(spans) == 2 {
			t.Errorf("a request cut at byte %d decoded whole", n)
		}
	}
	deep := "{}"
	for range maxValueDepth + 2 {
		deep = `{"arrayValue": {"values": [` + deep + `]}}`
	}
	span := func(extra string) string {
		return `{"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": "0102030405060708090a0b0c0d0e0f10", "spanId": "0a0a0a0a0a0a0a0a", "name": "s"` + extra + `}]}]}]}`
	}
	tests := []struct {
		name, body, want string
		proto            bool
	}{
		{"declared length past the end", "\x0a\xff\x01", "declares", true},
		{"bad wire type", "\x0b", "wire type", true},
		{"short trace id", "\x0a\x08\x12\x06\x12\x04\x0a\x02\x01\x02", "trace id of 2 bytes", true},
		{"not an object", `[1]`, "JSON object", false},
		{"short span id", strings.Replace(span(""), "0a0a0a0a0a0a0a0a", "0a0a", 1), "span id of 2 bytes", false},
		{"bad id", strings.Replace(span(""), "0102030405060708090a0b0c0d0e0f10", "zz", 1), "neither hex nor base64", false},
		{"negative time", span(`, "startTimeUnixNano": "-1"`), "startTimeUnixNano", false},
		{"unknown kind", span(`, "kind": "SPAN_KIND_MARTIAN"`), "SPAN_KIND_MARTIAN", false},
		{"bad status", span(`, "status": {"code": 7}`), "code", false},
		{"deep value", span(`, "attributes": [{"key": "k", "value": ` + deep + `}]`), "nest deeper", false},
		{"bad int", span(`, "attributes": [{"key": "k", "value": {"intValue": "1e3"}}]`), "intValue", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			if tt.proto {
				_, err = DecodeOTLP([]byte(tt.body))
			} else {
				_, err = DecodeOTLPJSON([]byte(tt.body))
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

// FuzzOTLP: no input panics the protobuf decoder.
func FuzzOTLP(f *testing.F) {
	f.Add(mustRead(f, "request.bin"))
	f.Fuzz(func(t *testing.T, b []byte) {
		spans, err := DecodeOTLP(b)
		if err == nil {
			for i := range spans {
				spans[i].AppendJSON(nil)
			}
		}
	})
}
