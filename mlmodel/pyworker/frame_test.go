package pyworker

import (
	"encoding/binary"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/ml/frame"
	"github.com/weir-ml/weir/mlmodel"
)

func TestAppendValue(t *testing.T) {
	tests := []struct {
		v    any
		want string
	}{
		{nil, "null"},
		{1.5, "1.5"},
		{3.0, "3.0"},
		{math.Copysign(0, -1), "-0.0"},
		{1e300, "1e+300"},
		{math.NaN(), "NaN"},
		{math.Inf(1), "Infinity"},
		{math.Inf(-1), "-Infinity"},
		{int64(-7), "-7"},
		{true, "true"},
		{"a\"b\\c\n\x01ü", `"a\"b\\c\u000a\u0001ü"`},
		{"bad\xffutf8", "\"bad\ufffdutf8\""},
		{time.Date(2024, 5, 6, 7, 8, 9, 500, time.FixedZone("X", 3600)), `"2024-05-06T06:08:09.0000005"`},
	}
	for _, tt := range tests {
		got, err := appendValue(nil, tt.v)
		if err != nil || string(got) != tt.want {
			t.Errorf("appendValue(%#v) = %s, %v, want %s", tt.v, got, err, tt.want)
		}
	}
	if _, err := appendValue(nil, []int{1}); err == nil {
		t.Errorf("appendValue of a slice: no error")
	}
}

func TestAppendRequest(t *testing.T) {
	inputs := []mlmodel.Input{{Name: "x", Kind: frame.Float}, {Name: "s", Kind: frame.Categorical}}
	b, err := appendRequest(nil, inputs, [][]any{{1.0, "a"}, {nil, "b"}})
	if err != nil {
		t.Fatal(err)
	}
	if n := binary.BigEndian.Uint32(b); int(n) != len(b)-4 {
		t.Errorf("header says %d bytes, payload has %d", n, len(b)-4)
	}
	if got, want := string(b[4:]), `[[1.0,null],["a","b"]]`; got != want {
		t.Errorf("payload = %s, want %s", got, want)
	}
	_, err = appendRequest(nil, inputs, [][]any{{1.0, "a"}, {2.0, struct{}{}}})
	if err == nil || !strings.Contains(err.Error(), `row 1, column "s"`) {
		t.Errorf("err = %v, want one naming row 1, column s", err)
	}
	_, err = appendRequest(nil, inputs, [][]any{{1.0}})
	if err == nil || !strings.Contains(err.Error(), "row 0 has 1 values") {
		t.Errorf("err = %v, want one naming the short row", err)
	}
}

// answers builds an answers payload from rows, with count as the row count
// it declares.
func answers(count uint32, rows ...string) []byte {
	b := []byte{kindAnswers}
	b = binary.BigEndian.AppendUint32(b, count)
	for _, r := range rows {
		b = binary.BigEndian.AppendUint32(b, uint32(len(r)))
		b = append(b, r...)
	}
	return b
}

func TestDecodeAnswers(t *testing.T) {
	var sc mlmodel.Scores
	sc.Resize(3, 0)
	if err := decodeAnswers(answers(3, "2.5", `{"a": 1}`, "NaN"), 3, &sc); err != nil {
		t.Fatal(err)
	}
	if string(sc.Raw[0]) != "2.5" || string(sc.Raw[1]) != `{"a": 1}` || string(sc.Raw[2]) != "NaN" {
		t.Errorf("Raw = %q", sc.Raw)
	}
	if sc.Value[0] != 2.5 || !math.IsNaN(sc.Value[1]) || !math.IsNaN(sc.Value[2]) {
		t.Errorf("Value = %v, want [2.5 NaN NaN]", sc.Value)
	}

	hostile := []struct {
		name    string
		payload []byte
		want    string
	}{
		{"no count", []byte{kindAnswers, 0}, "truncated"},
		{"wrong count", answers(2, "1", "2"), "answered 2 rows for 3"},
		{"short row", answers(3, "1", "2"), "truncated at row 2"},
		{"huge row", append(answers(3, "1", "2"), 0xff, 0xff, 0xff, 0xff), "row 2 is truncated"},
		{"trailing bytes", append(answers(3, "1", "2", "3"), 'x'), "1 bytes after its last row"},
	}
	for _, tt := range hostile {
		sc.Resize(3, 0)
		err := decodeAnswers(tt.payload, 3, &sc)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.want)
		}
	}
}

func TestReadFrame(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"empty frame", "\x00\x00\x00\x00", "frame of 0 bytes"},
		{"huge frame", "\x7f\xff\xff\xff", "frame of 2147483647 bytes"},
		{"truncated", "\x00\x00\x00\x05ab", "unexpected EOF"},
	}
	for _, tt := range tests {
		_, err := readFrame(strings.NewReader(tt.in))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.want)
		}
	}
	b, err := readFrame(strings.NewReader("\x00\x00\x00\x02hi"))
	if err != nil || string(b) != "hi" {
		t.Errorf("readFrame = %q, %v, want hi", b, err)
	}
}

func TestDecodeError(t *testing.T) {
	tests := []struct {
		payload, code, msg string
	}{
		{`E{"error_code": "BAD_REQUEST", "message": "ValueError: no"}`, weir.ErrBadRequest, "ValueError: no"},
		{`E{"error_code": "INVALID_PARAMETER_VALUE", "message": "m"}`, weir.ErrInvalidParameterValue, "m"},
		// A code that would change the status (503, 500) is a 400 still.
		{`E{"error_code": "TEMPORARILY_UNAVAILABLE", "message": "m"}`, weir.ErrBadRequest, "m"},
	}
	for _, tt := range tests {
		var we *weir.Error
		err := decodeError([]byte(tt.payload))
		if !errors.As(err, &we) || we.Code != tt.code || we.Message != tt.msg {
			t.Errorf("decodeError(%s) = %v, want %s: %s", tt.payload, err, tt.code, tt.msg)
		}
	}
	if err := decodeError([]byte("E{")); err == nil || !strings.Contains(err.Error(), "unreadable error") {
		t.Errorf("err = %v, want unreadable error", err)
	}
}

func TestUnavailable(t *testing.T) {
	err := unavailable("worker %d lost", 3)
	var we *weir.Error
	if !errors.Is(err, ErrUnavailable) || !errors.As(err, &we) || we.Code != weir.ErrTemporarilyUnavailable {
		t.Fatalf("err = %v, want ErrUnavailable and a TEMPORARILY_UNAVAILABLE *weir.Error", err)
	}
	if got, want := err.Error(), "worker 3 lost"; got != want {
		t.Errorf("message = %q, want %q", got, want)
	}
}

// Models the Go front end cannot serve are refused at Open, before any
// Python starts.
func TestOpenRefuses(t *testing.T) {
	pyfunc := map[string]map[string]any{"python_function": {"loader_module": "mlflow.pyfunc.model"}}
	sig := func(in string) *mlmodel.FileSignature { return &mlmodel.FileSignature{Inputs: in} }
	tests := []struct {
		name string
		f    mlmodel.File
		want string
	}{
		{"no pyfunc flavor", mlmodel.File{Flavors: map[string]map[string]any{"sklearn": {}}}, "no python_function flavor"},
		{"no signature", mlmodel.File{Flavors: pyfunc}, "has no signature"},
		{"tensor signature", mlmodel.File{Flavors: pyfunc, Signature: sig(`[{"type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1, 4]}}]`)}, "input 1 has no name"},
		{"binary column", mlmodel.File{Flavors: pyfunc, Signature: sig(`[{"type": "binary", "name": "img", "required": true}]`)}, `input "img"`},
		{"twice", mlmodel.File{Flavors: pyfunc, Signature: sig(`[{"type": "double", "name": "a"}, {"type": "long", "name": "a"}]`)}, `names input "a" twice`},
		{"no inputs", mlmodel.File{Flavors: pyfunc, Signature: sig(`[]`)}, "no input columns"},
		{"bad manager", mlmodel.File{Flavors: pyfunc, Signature: sig(`[{"type": "double", "name": "a"}]`)}, `unknown environment manager "conda"`},
	}
	for _, tt := range tests {
		_, err := Open(t.Context(), t.TempDir(), &tt.f, Options{EnvManager: "conda"})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.want)
		}
	}
}

// The output is raw JSON, a regressor's when the signature has one
// floating-point output.
func TestReadSignatureOutput(t *testing.T) {
	in := `[{"type": "double", "name": "a", "required": true}, {"type": "string", "name": "b", "required": false}]`
	tests := []struct{ outputs, task string }{
		{``, ""},
		{`[{"type": "double", "name": "y", "required": true}]`, "regression"},
		{`[{"type": "string", "name": "y", "required": true}]`, ""},
		{`[{"type": "double", "name": "p"}, {"type": "string", "name": "l"}]`, ""},
	}
	for _, tt := range tests {
		p := &Pool{}
		f := &mlmodel.File{Signature: &mlmodel.FileSignature{Inputs: in, Outputs: tt.outputs}}
		cols, err := p.readSignature(f)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := cols, `[{"name":"a","type":"double"},{"name":"b","type":"string"}]`; got != want {
			t.Errorf("columns = %s, want %s", got, want)
		}
		if p.output.Predict != mlmodel.PredictRaw || p.output.Task != tt.task {
			t.Errorf("outputs %s: output = %+v, want raw with task %q", tt.outputs, p.output, tt.task)
		}
		if len(p.inputs) != 2 || p.inputs[1].Kind != frame.Categorical || p.inputs[1].Required {
			t.Errorf("inputs = %+v", p.inputs)
		}
	}
}
