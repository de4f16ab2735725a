package httpapi

import "testing"

// TestPyDumps writes JSON as Python's json.dumps does, which MLflow uses
// for an expectation's serialized value.
func TestPyDumps(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"answer":2}`, `{"answer": 2}`},
		{`{"b":[1,2.50,{"c":null}],"a":"é"}`, `{"b": [1, 2.50, {"c": null}], "a": "\u00e9"}`},
		{`[]`, `[]`},
		{`{}`, `{}`},
		{`[{"x":true},{"y":false}]`, `[{"x": true}, {"y": false}]`},
		{`{"k":{"n":{}}, "z":[[]]}`, `{"k": {"n": {}}, "z": [[]]}`},
	}
	for _, tt := range tests {
		got, err := pyDumps([]byte(tt.in))
		if err != nil || got != tt.want {
			t.Errorf("pyDumps(%s) = %s, %v; want %s", tt.in, got, err, tt.want)
		}
	}
	if got := string(expectationJSON([]byte(`{"value": {"answer": 2}}`))); got != `{"serialized_value":{"serialization_format":"JSON_FORMAT","value":"{\"answer\": 2}"}}` {
		t.Errorf("an object expectation = %s, want it serialized", got)
	}
	if got := string(expectationJSON([]byte(`{"value": 4}`))); got != `{"value": 4}` {
		t.Errorf("a number expectation = %s, want it as it is", got)
	}
}
