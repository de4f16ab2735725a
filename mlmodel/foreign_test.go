package mlmodel

import "testing"

func TestPythonJSON(t *testing.T) {
	for in, want := range map[string]string{
		`[[1.0, NaN, "NaN"], [-Infinity, Infinity, "a\"NaN"]]`: `[[1.0, null, "NaN"], [null, null, "a\"NaN"]]`,
		`{"data": [[NaN]]}`: `{"data": [[null]]}`,
	} {
		if got := string(pythonJSON([]byte(in))); got != want {
			t.Errorf("pythonJSON(%s) = %s, want %s", in, got, want)
		}
	}
}
