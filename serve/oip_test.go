package serve

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// golden compares got with testdata/name, rewriting it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs:\ngot  %s\nwant %s", name, got, want)
	}
}

func indent(t *testing.T, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := json.Indent(&b, []byte(s), "", "  "); err != nil {
		t.Fatalf("%v in %s", err, s)
	}
	return append(b.Bytes(), '\n')
}

func TestOIPMetadataGolden(t *testing.T) {
	m := newFakeModel()
	m.cols = append(m.cols, Column{Name: "member", Type: TypeBoolean}, Column{Name: "seen", Type: TypeDatetime},
		Column{Name: "score", Type: TypeFloat}, Column{Name: "day", Type: TypeInteger})
	s := mustServer(t, &Loaded{Model: m, Name: "bank", Version: "3"}, nil)
	for _, tt := range []struct{ path, file string }{
		{"/v2/models/bank", "oip_model_metadata.json"},
		{"/v2/models/bank/versions/3", "oip_model_metadata.json"},
	} {
		got := do(t, s.Handler(), "GET", tt.path, "", "")
		if got.code != 200 {
			t.Fatalf("GET %s = %d %s", tt.path, got.code, got.body)
		}
		golden(t, tt.file, indent(t, got.body))
	}
	got := do(t, s.Handler(), "GET", "/v2", "", "")
	var md map[string]any
	decodeJSON(t, got.body, &md)
	if got.code != 200 || md["name"] != "weir" || md["version"] == "" || md["extensions"] == nil {
		t.Errorf("GET /v2 = %d %s, want name, version and extensions", got.code, got.body)
	}
}

func TestOIPHealth(t *testing.T) {
	s := mustServer(t, loadedFake(newFakeModel(), "3"), nil)
	tests := []struct {
		path     string
		wantCode int
		wantBody string
	}{
		{"/v2/health/live", 200, `{"live":true}`},
		{"/v2/health/ready", 200, `{"ready":true}`},
		{"/v2/models/bank/ready", 200, `{"name":"bank","ready":true}`},
		{"/v2/models/bank/versions/3/ready", 200, `{"name":"bank","ready":true}`},
		{"/v2/models/bank/versions/2/ready", 404, `{"error":"Model bank version 2 not found"}`},
		{"/v2/models/other", 404, `{"error":"Model other not found"}`},
	}
	for _, tt := range tests {
		got := do(t, s.Handler(), "GET", tt.path, "", "")
		if got.code != tt.wantCode || got.body != tt.wantBody {
			t.Errorf("GET %s = %d %s, want %d %s", tt.path, got.code, got.body, tt.wantCode, tt.wantBody)
		}
	}
}

func TestOIPInfer(t *testing.T) {
	tests := []struct {
		name, path, body, want string
	}{
		{"column inputs", "/v2/models/bank/infer",
			`{"id": "r1", "inputs": [{"name": "age", "shape": [2], "datatype": "INT64", "data": [30, 60]}, {"name": "job", "shape": [2], "datatype": "BYTES", "data": ["a", "b"]}]}`,
			`{"model_name":"bank","model_version":"3","id":"r1","outputs":[{"name":"probability","datatype":"FP64","shape":[2],"data":[0.3,0.6]},{"name":"label","datatype":"BYTES","shape":[2],"data":["no","yes"]}]}`},
		{"column inputs [N,1] with version and parameters", "/v2/models/bank/versions/3/infer",
			`{"id": "r2", "parameters": {"content_type": "pd"}, "inputs": [{"name": "job", "shape": [2, 1], "datatype": "BYTES", "data": [["a"], ["b"]]}, {"name": "age", "shape": [2, 1], "datatype": "FP64", "data": [[30.0], [60.0]]}]}`,
			`{"model_name":"bank","model_version":"3","id":"r2","outputs":[{"name":"probability","datatype":"FP64","shape":[2],"data":[0.3,0.6]},{"name":"label","datatype":"BYTES","shape":[2],"data":["no","yes"]}]}`},
		{"one [N,F] tensor, one output", "/v2/models/bank/infer",
			`{"id": "r3", "inputs": [{"name": "x", "shape": [2, 3], "datatype": "FP64", "data": [30, 2, 1.5, 60, 3, null]}], "outputs": [{"name": "label"}]}`,
			`{"model_name":"bank","model_version":"3","id":"r3","outputs":[{"name":"label","datatype":"BYTES","shape":[2],"data":["no","yes"]}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newFakeModel()
			if strings.Contains(tt.name, "[N,F]") {
				m.cols[1] = Column{Name: "day", Type: TypeLong, Required: true}
			}
			s := mustServer(t, &Loaded{Model: m, Name: "bank", Version: "3"}, nil)
			got := do(t, s.Handler(), "POST", tt.path, "application/json", tt.body)
			if got.code != 200 || got.body != tt.want {
				t.Errorf("got %d %s\nwant 200 %s", got.code, got.body, tt.want)
			}
		})
	}
}

func TestOIPInferErrors(t *testing.T) {
	tests := []struct {
		name, path, body string
		wantCode         int
		wantIn           string
	}{
		{"unknown model", "/v2/models/x/infer", `{}`, 404, "Model x not found"},
		{"unknown version", "/v2/models/bank/versions/9/infer", `{}`, 404, "version 9 not found"},
		{"not json", "/v2/models/bank/infer", `{`, 400, "Invalid inference request"},
		{"no inputs", "/v2/models/bank/infer", `{"inputs": []}`, 400, "no inputs"},
		{"missing column", "/v2/models/bank/infer", `{"inputs": [{"name": "age", "shape": [1], "datatype": "INT64", "data": [1]}]}`, 400, `missing inputs [\"job\"]`},
		{"shape mismatch", "/v2/models/bank/infer", `{"inputs": [{"name": "age", "shape": [2], "datatype": "INT64", "data": [1]}]}`, 400, "needs 2 values, got 1"},
		{"bad datatype", "/v2/models/bank/infer", `{"inputs": [{"name": "age", "shape": [1], "datatype": "INT65", "data": [1]}]}`, 400, "unknown datatype"},
		{"row counts differ", "/v2/models/bank/infer", `{"inputs": [{"name": "age", "shape": [2], "datatype": "INT64", "data": [1, 2]}, {"name": "job", "shape": [1], "datatype": "BYTES", "data": ["a"]}]}`, 400, "has 1 rows, others have 2"},
		{"wrong width", "/v2/models/bank/infer", `{"inputs": [{"name": "x", "shape": [1, 2], "datatype": "FP64", "data": [1, 2]}]}`, 400, "has 2 columns but the model has 3"},
		{"wrong value type", "/v2/models/bank/infer", `{"inputs": [{"name": "age", "shape": [1], "datatype": "BYTES", "data": ["a"]}, {"name": "job", "shape": [1], "datatype": "BYTES", "data": ["a"]}]}`, 400, `input \"age\": datatype BYTES does not fit column type long (want INT64)`},
		{"INT8 out of range", "/v2/models/bank/infer", `{"inputs": [{"name": "age", "shape": [2], "datatype": "INT8", "data": [30, 300]}, {"name": "job", "shape": [2], "datatype": "BYTES", "data": ["a", "b"]}]}`, 400, `input \"age\": value 1 (300) is not an integer in the range of INT8 (-128 to 127)`},
		{"UINT64 negative", "/v2/models/bank/infer", `{"inputs": [{"name": "age", "shape": [1], "datatype": "UINT64", "data": [-1]}, {"name": "job", "shape": [1], "datatype": "BYTES", "data": ["a"]}]}`, 400, `input \"age\": value 0 (-1) is not an integer in the range of UINT64`},
		{"UINT8 fraction", "/v2/models/bank/infer", `{"inputs": [{"name": "age", "shape": [1], "datatype": "UINT8", "data": [3.5]}, {"name": "job", "shape": [1], "datatype": "BYTES", "data": ["a"]}]}`, 400, `value 0 (3.5) is not an integer in the range of UINT8`},
		{"FP16 overflow", "/v2/models/bank/infer", `{"inputs": [{"name": "age", "shape": [1], "datatype": "INT64", "data": [3]}, {"name": "job", "shape": [1], "datatype": "BYTES", "data": ["a"]}, {"name": "balance", "shape": [1], "datatype": "FP16", "data": [70000]}]}`, 400, `input \"balance\": value 0 (70000) is out of the range of FP16`},
		{"string in an INT64 tensor", "/v2/models/bank/infer", `{"inputs": [{"name": "age", "shape": [1], "datatype": "INT64", "data": ["30"]}, {"name": "job", "shape": [1], "datatype": "BYTES", "data": ["a"]}]}`, 400, `input \"age\": value 0 is string \"30\", not a number of datatype INT64`},
		{"number in a BYTES tensor", "/v2/models/bank/infer", `{"inputs": [{"name": "age", "shape": [1], "datatype": "INT64", "data": [30]}, {"name": "job", "shape": [1], "datatype": "BYTES", "data": [7]}]}`, 400, `input \"job\": value 0 is number 7, not BYTES`},
		{"BOOL for a number column", "/v2/models/bank/infer", `{"inputs": [{"name": "age", "shape": [1], "datatype": "BOOL", "data": [true]}, {"name": "job", "shape": [1], "datatype": "BYTES", "data": ["a"]}]}`, 400, `datatype BOOL does not fit column type long`},
		{"FP64 for a string column", "/v2/models/bank/infer", `{"inputs": [{"name": "age", "shape": [1], "datatype": "INT64", "data": [30]}, {"name": "job", "shape": [1], "datatype": "FP64", "data": [1]}]}`, 400, `input \"job\": datatype FP64 does not fit column type string (want BYTES)`},
		{"[N,F] tensor of the wrong datatype", "/v2/models/bank/infer", `{"inputs": [{"name": "x", "shape": [1, 3], "datatype": "FP64", "data": [30, 1, 2]}]}`, 400, `input \"x\": datatype FP64 does not fit column \"job\" of type string`},
		{"data null", "/v2/models/bank/infer", `{"inputs": [{"name": "age", "shape": [1], "datatype": "INT64", "data": null}, {"name": "job", "shape": [1], "datatype": "BYTES", "data": ["a"]}]}`, 400, `input \"age\": 'data' must be a list of values, got null`},
		{"data missing", "/v2/models/bank/infer", `{"inputs": [{"name": "age", "shape": [1], "datatype": "INT64"}, {"name": "job", "shape": [1], "datatype": "BYTES", "data": ["a"]}]}`, 400, `input \"age\": 'data' must be a list of values, got null`},
		{"data a scalar", "/v2/models/bank/infer", `{"inputs": [{"name": "age", "shape": [1], "datatype": "INT64", "data": 30}, {"name": "job", "shape": [1], "datatype": "BYTES", "data": ["a"]}]}`, 400, `'data' must be a list of values, got number 30`},
		{"null in a required column", "/v2/models/bank/infer", `{"inputs": [{"name": "age", "shape": [2], "datatype": "INT64", "data": [30, null]}, {"name": "job", "shape": [2], "datatype": "BYTES", "data": ["a", "b"]}]}`, 400, `input \"age\": value 1 is null, but column \"age\" is required`},
		{"shape longer than data", "/v2/models/bank/infer", `{"inputs": [{"name": "age", "shape": [2, 1], "datatype": "INT64", "data": [[30]]}, {"name": "job", "shape": [2, 1], "datatype": "BYTES", "data": [["a"], ["b"]]}]}`, 400, `input \"age\": shape [2, 1] needs 2 values, got 1`},
		{"unknown output", "/v2/models/bank/infer", `{"inputs": [{"name": "age", "shape": [1], "datatype": "INT64", "data": [1]}, {"name": "job", "shape": [1], "datatype": "BYTES", "data": ["a"]}], "outputs": [{"name": "logits"}]}`, 400, "unknown output"},
		{"huge shape", "/v2/models/bank/infer", `{"inputs": [{"name": "age", "shape": [2147483648, 2147483648, 4], "datatype": "INT64", "data": []}]}`, 400, "too large"},
		{"not an object", "/v2/models/bank/infer", `[1]`, 400, "want a JSON object"},
		{"id not a string", "/v2/models/bank/infer", `{"id": 7, "inputs": []}`, 400, "'id' must be a string"},
		{"inputs not a list", "/v2/models/bank/infer", `{"inputs": {}}`, 400, "'inputs' must be a list"},
		{"input not an object", "/v2/models/bank/infer", `{"inputs": [1]}`, 400, "input 0 must be an object"},
		{"shape not integers", "/v2/models/bank/infer", `{"inputs": [{"name": "age", "shape": [1.5], "datatype": "INT64", "data": [1]}]}`, 400, "'shape' must be a list of integers"},
		{"output without name", "/v2/models/bank/infer", `{"inputs": [{"name": "age", "shape": [1], "datatype": "INT64", "data": [1]}, {"name": "job", "shape": [1], "datatype": "BYTES", "data": ["a"]}], "outputs": [{}]}`, 400, "output 0 must be an object with a name"},
		{"negative shape", "/v2/models/bank/infer", `{"inputs": [{"name": "age", "shape": [-1], "datatype": "INT64", "data": []}]}`, 400, "out of range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustServer(t, loadedFake(newFakeModel(), "3"), nil)
			got := do(t, s.Handler(), "POST", tt.path, "application/json", tt.body)
			if got.code != tt.wantCode || !strings.HasPrefix(got.body, `{"error":`) || !strings.Contains(got.body, tt.wantIn) {
				t.Errorf("got %d %s, want %d {\"error\": ...%s...}", got.code, got.body, tt.wantCode, tt.wantIn)
			}
		})
	}
}
