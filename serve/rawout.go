package serve

import (
	"encoding/json"
	"strconv"
)

// jsonSafe returns raw, a model's own answer for one row, as valid JSON:
// the NaN, Infinity and -Infinity that Python's json module writes outside
// strings become null, the missing value JSON has. Valid JSON is returned
// as it is.
func jsonSafe(raw []byte) []byte {
	if json.Valid(raw) {
		return raw
	}
	out := make([]byte, 0, len(raw))
	inString := false
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if inString {
			out = append(out, c)
			switch c {
			case '\\':
				if i+1 < len(raw) {
					i++
					out = append(out, raw[i])
				}
			case '"':
				inString = false
			}
			continue
		}
		switch {
		case c == '"':
			inString = true
		case hasWord(raw[i:], "NaN"):
			out, i = append(out, "null"...), i+len("NaN")-1
			continue
		case hasWord(raw[i:], "Infinity"):
			out, i = append(out, "null"...), i+len("Infinity")-1
			continue
		case hasWord(raw[i:], "-Infinity"):
			out, i = append(out, "null"...), i+len("-Infinity")-1
			continue
		}
		out = append(out, c)
	}
	return out
}

func hasWord(b []byte, w string) bool {
	return len(b) >= len(w) && string(b[:len(w)]) == w
}

// rawTensor is how an Open Inference Protocol answer carries a model's own
// answers: numbers as an INT64 or FP64 tensor [N], equal-length lists of
// numbers as [N, K], strings as BYTES, anything else as BYTES of JSON text.
type rawTensor struct {
	datatype string
	k        int // values per row; 0 for [N]
	values   [][]any
}

// rawTensorOf reads each row's answer and picks the tensor that holds
// them all.
func rawTensorOf(preds []Prediction) rawTensor {
	t := rawTensor{datatype: "INT64", values: make([][]any, len(preds))}
	kind := ""
	for i, p := range preds {
		v, err := parseJSON(jsonSafe(p.Raw))
		if err != nil {
			return rawTensor{datatype: "BYTES"}
		}
		var row []any
		var rowKind string
		switch v := v.(type) {
		case json.Number, nil:
			row, rowKind = []any{v}, "number"
		case string:
			row, rowKind = []any{v}, "string"
		case []any:
			row, rowKind = v, "list"
			if i > 0 && len(v) != t.k {
				return rawTensor{datatype: "BYTES"}
			}
			t.k = len(v)
			for _, x := range v {
				if _, ok := x.(json.Number); !ok && x != nil {
					return rawTensor{datatype: "BYTES"}
				}
			}
		default:
			return rawTensor{datatype: "BYTES"}
		}
		if i > 0 && rowKind != kind {
			return rawTensor{datatype: "BYTES"}
		}
		kind = rowKind
		t.values[i] = row
		if kind != "string" {
			for _, x := range row {
				if n, ok := x.(json.Number); ok && t.datatype == "INT64" {
					if _, err := strconv.ParseInt(string(n), 10, 64); err != nil {
						t.datatype = "FP64"
					}
				}
			}
		}
	}
	switch kind {
	case "string":
		t.datatype = "BYTES"
	case "number":
		t.k = 0
	}
	return t
}

// appendRawOutput writes the "prediction" output of a model's own answers.
func appendRawOutput(b []byte, preds []Prediction) []byte {
	n := strconv.Itoa(len(preds))
	t := rawTensorOf(preds)
	b = append(b, `{"name":"prediction","datatype":"`...)
	b = append(b, t.datatype...)
	b = append(b, `","shape":[`...)
	b = append(b, n...)
	if t.k > 0 {
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(t.k), 10)
	}
	b = append(b, `],"data":[`...)
	first := true
	for i, p := range preds {
		if t.values == nil {
			// JSON text, one string per row.
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, string(jsonSafe(p.Raw)))
			continue
		}
		for _, x := range t.values[i] {
			if !first {
				b = append(b, ',')
			}
			first = false
			switch x := x.(type) {
			case nil:
				b = append(b, "null"...)
			case json.Number:
				b = append(b, x...)
			case string:
				b = appendString(b, x)
			}
		}
	}
	return append(b, "]}"...)
}
