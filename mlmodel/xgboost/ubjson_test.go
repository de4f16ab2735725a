package xgboost

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// ubj builds UBJSON by hand: each argument is raw bytes, a marker string,
// or a number written big-endian at its Go size.
func ubj(parts ...any) []byte {
	var b bytes.Buffer
	for _, p := range parts {
		switch x := p.(type) {
		case string:
			b.WriteString(x)
		case []byte:
			b.Write(x)
		default:
			binary.Write(&b, binary.BigEndian, x)
		}
	}
	return b.Bytes()
}

func TestDecodeUBJ(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want any
	}{
		{"int8", ubj("i", int8(-3)), int64(-3)},
		{"uint8", ubj("U", uint8(200)), int64(200)},
		{"int16", ubj("I", int16(-300)), int64(-300)},
		{"int32", ubj("l", int32(70000)), int64(70000)},
		{"int64", ubj("L", int64(-1)<<40), int64(-1) << 40},
		{"float32", ubj("d", float32(0.1)), float64(float32(0.1))},
		{"float64", ubj("D", 0.1), 0.1},
		{"string", ubj("S", "i", int8(3), "abc"), "abc"},
		{"char", ubj("C", "x"), "x"},
		{"bools and null", ubj("[", "T", "F", "Z", "]"), []any{true, false, nil}},
		{"no-op skipped", ubj("[", "N", "i", int8(1), "N", "]"), []any{int64(1)}},
		{"counted array", ubj("[", "#", "i", int8(2), "i", int8(1), "U", uint8(2)), []any{int64(1), int64(2)}},
		{"typed float32", ubj("[", "$", "d", "#", "L", int64(2), float32(1.5), float32(-2)), []float32{1.5, -2}},
		{"typed float64", ubj("[", "$", "D", "#", "i", int8(1), 2.5), []float64{2.5}},
		{"typed int32", ubj("[", "$", "l", "#", "L", int64(2), int32(-1), int32(7)), []int32{-1, 7}},
		{"typed int64", ubj("[", "$", "L", "#", "L", int64(1), int64(1)<<40), []int64{1 << 40}},
		{"typed uint8", ubj("[", "$", "U", "#", "L", int64(3), []byte{0, 1, 255}), []uint8{0, 1, 255}},
		{"typed int8", ubj("[", "$", "i", "#", "L", int64(2), []byte{0xff, 1}), []int8{-1, 1}},
		{"typed int16", ubj("[", "$", "I", "#", "L", int64(1), int16(-2)), []int16{-2}},
		{"empty typed", ubj("[", "$", "d", "#", "L", int64(0)), []float32{}},
		{"object", ubj("{", "i", int8(1), "a", "i", int8(5), "i", int8(1), "b", "S", "i", int8(1), "x", "}"),
			map[string]any{"a": int64(5), "b": "x"}},
		{"counted object", ubj("{", "#", "i", int8(1), "i", int8(1), "k", "T"), map[string]any{"k": true}},
		{"typed object", ubj("{", "$", "i", "#", "i", int8(1), "i", int8(1), "k", int8(9)), map[string]any{"k": int64(9)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeUBJ(tt.in)
			if err != nil {
				t.Fatalf("decodeUBJ: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestDecodeUBJErrors(t *testing.T) {
	deep := bytes.Repeat([]byte("["), maxDepth+2)
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"empty", nil, "ends early"},
		{"unknown marker", ubj("Q"), "unknown type marker"},
		{"truncated number", ubj("l", int16(1)), "ends early"},
		{"huge count", ubj("[", "$", "d", "#", "L", int64(math.MaxInt64)), "exceeds"},
		{"count beyond file", ubj("[", "$", "L", "#", "L", int64(3), int64(1)), "exceeds"},
		{"negative length", ubj("S", "i", int8(-1)), "negative length"},
		{"huge string", ubj("S", "L", int64(1)<<62, "ab"), "exceeds"},
		{"string length not an integer", ubj("S", "d", float32(1)), "integer was expected"},
		{"typed without count", ubj("[", "$", "d", "]"), "without a count"},
		{"unclosed array", ubj("[", "i", int8(1)), "ends early"},
		{"unclosed object", ubj("{", "i", int8(1), "a", "T"), "ends inside an object"},
		{"trailing bytes", ubj("T", "T"), "after the top-level value"},
		{"too deep", deep, "nesting deeper"},
		{"huge object count", ubj("{", "#", "L", int64(1)<<40), "exceeds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decodeUBJ(tt.in)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// TestParseTruncated cuts a real model at many points: every cut must be
// an error, never a panic.
func TestParseTruncated(t *testing.T) {
	for _, name := range []string{"multiclass_softprob_ubj/model.ubj", "categorical_classifier_ubj/model.ubj", "dart_regression_json/model.json"} {
		b, err := os.ReadFile(filepath.Join(fixtureDir, name))
		if err != nil {
			t.Fatal(err)
		}
		format := strings.TrimPrefix(filepath.Ext(name), ".")
		step := max(1, len(b)/2000)
		for n := 0; n < len(b); n += step {
			if _, err := Parse(bytes.NewReader(b[:n]), format); err == nil {
				t.Fatalf("%s cut at %d of %d bytes: no error", name, n, len(b))
			}
		}
		if _, err := Parse(bytes.NewReader(b), format); err != nil {
			t.Fatalf("%s whole: %v", name, err)
		}
	}
}

// TestJSONAndUBJSONAgree checks that both formats of each fixture parse to
// the same model.
func TestJSONAndUBJSONAgree(t *testing.T) {
	dirs, _ := filepath.Glob(filepath.Join(fixtureDir, "*_ubj"))
	if len(dirs) == 0 {
		t.Fatal("no UBJSON fixtures")
	}
	for _, d := range dirs {
		name := strings.TrimSuffix(filepath.Base(d), "_ubj")
		t.Run(name, func(t *testing.T) {
			u := mustParse(t, filepath.Join(d, "model.ubj"), "ubj")
			j := mustParse(t, filepath.Join(fixtureDir, name+"_json", "model.json"), "json")
			if !reflect.DeepEqual(u, j) {
				t.Errorf("the UBJSON and JSON models differ")
			}
		})
	}
}

func mustParse(t testing.TB, path, format string) *Booster {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := Parse(f, format)
	if err != nil {
		t.Fatalf("Parse(%s): %v", path, err)
	}
	return b
}
