package tracing

import (
	"bytes"
	"math"
	"testing"
)

// TestSpanDict writes each span of the reference request as mlflow 3.17.2's
// server keeps and serves it (gen_otlp.py's span_dicts.jsonl), byte for
// byte, also after a round trip through the stored form.
func TestSpanDict(t *testing.T) {
	spans, err := DecodeOTLP(mustRead(t, "request.bin"))
	if err != nil {
		t.Fatal(err)
	}
	want := bytes.Split(bytes.TrimSuffix(mustRead(t, "span_dicts.jsonl"), []byte("\n")), []byte("\n"))
	if got, want := len(spans), len(want); got != want {
		t.Fatalf("%d spans, want %d", got, want)
	}
	for i := range spans {
		if got := spans[i].AppendDict(nil); !bytes.Equal(got, want[i]) {
			t.Errorf("span %d:\n got %s\nwant %s", i, got, want[i])
		}
		stored, err := ParseRawSpan(spans[i].AppendJSON(nil))
		if err != nil {
			t.Fatalf("span %d: %v", i, err)
		}
		if got := stored.AppendDict(nil); !bytes.Equal(got, want[i]) {
			t.Errorf("span %d from its stored form:\n got %s\nwant %s", i, got, want[i])
		}
	}
}

// TestPyFloat prints floats as Python's repr (and so json.dumps) does;
// the wants are Python 3.11's output.
func TestPyFloat(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{1, "1.0"},
		{0.1, "0.1"},
		{-2, "-2.0"},
		{1e16, "1e+16"},
		{1e-5, "1e-05"},
		{0.0001, "0.0001"},
		{123456789, "123456789.0"},
		{1.5e-7, "1.5e-07"},
		{math.Copysign(0, -1), "-0.0"},
		{1234567890123456, "1234567890123456.0"},
		{12345678901234567, "1.2345678901234568e+16"},
		{2.5e300, "2.5e+300"},
		{math.NaN(), "NaN"},
		{math.Inf(-1), "-Infinity"},
	}
	for _, tt := range tests {
		if got := string(appendPyFloat(nil, tt.in)); got != tt.want {
			t.Errorf("appendPyFloat(%v) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

// TestPyStrings escapes strings and bytes as Python's json.dumps
// (ensure_ascii=False) and repr do; the wants are Python 3.11's output.
func TestPyStrings(t *testing.T) {
	if got, want := string(appendPyString(nil, "a\"\\\n\x01\x7fé\u2028<>&\b\f")), "\"a\\\"\\\\\\n\\u0001\x7fé\u2028<>&\\b\\f\""; got != want {
		t.Errorf("appendPyString = %s, want %s", got, want)
	}
	tests := []struct{ in, want string }{
		{"a'b\x00\xff\\", `b"a'b\x00\xff\\"`},
		{"it's", `b"it's"`},
		{`"'`, `b'"\''`},
	}
	for _, tt := range tests {
		if got := pyBytesRepr([]byte(tt.in)); got != tt.want {
			t.Errorf("pyBytesRepr(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}
