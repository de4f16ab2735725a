package pyobj

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// skopsZip builds a skops file from a schema and members.
func skopsZip(t testing.TB, schema string, members map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for name, b := range members {
		f, err := w.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		f.Write(b)
	}
	f, err := w.Create("schema.json")
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte(schema))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func readSkopsBytes(b []byte) (any, error) {
	return ReadSkops(bytes.NewReader(b), int64(len(b)), DefaultAllow())
}

func obj(module, class, content string) string {
	s := `{"__class__": "` + class + `", "__module__": "` + module + `", "__loader__": "ObjectNode"`
	if content != "" {
		s += `, "content": ` + content
	}
	return s + `, "__id__": 1, "protocol": 2}`
}

// Nodes that share an __id__ are one value, as they were one object.
func TestReadSkopsSharedReference(t *testing.T) {
	arr := `{"__class__": "ndarray", "__module__": "numpy", "__loader__": "NdArrayNode", "type": "numpy", "file": "a.npy", "__id__": 7}`
	schema := obj("sklearn.preprocessing._data", "StandardScaler",
		`{"__class__": "dict", "__module__": "builtins", "__loader__": "DictNode", "key_types": {"__class__": "list", "__module__": "builtins", "__loader__": "ListNode", "content": []}, "content": {"mean_": `+arr+`, "scale_": `+arr+`}, "__id__": 2}`)
	b := skopsZip(t, schema, map[string][]byte{"a.npy": npyFile("'<f8'", false, "(1,)", le64(0))})
	v, err := readSkopsBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	o := v.(*Object)
	m, _ := o.Array("mean_")
	s, _ := o.Array("scale_")
	if m == nil || m != s {
		t.Errorf("got mean_ %p and scale_ %p, want one array", m, s)
	}
}

// Nodes that name one member are one array, even under different ids, so
// a schema naming a member many times does not multiply it.
func TestReadSkopsMemberOnce(t *testing.T) {
	node := func(id int) string {
		return fmt.Sprintf(`{"__class__": "ndarray", "__module__": "numpy", "__loader__": "NdArrayNode", "type": "numpy", "file": "a.npy", "__id__": %d}`, id)
	}
	schema := `{"__class__": "list", "__module__": "builtins", "__loader__": "ListNode", "protocol": 2, "content": [` + node(1) + `, ` + node(2) + `]}`
	v, err := readSkopsBytes(skopsZip(t, schema, map[string][]byte{"a.npy": npyFile("'<f8'", false, "(1,)", le64(0))}))
	if err != nil {
		t.Fatal(err)
	}
	l := v.([]any)
	if l[0] != l[1] {
		t.Error("got two arrays, want one")
	}
}

func TestReadSkopsHostile(t *testing.T) {
	fixture, err := os.ReadFile(filepath.Join(fixtureDir, "logreg_pipeline.skops"))
	if err != nil {
		t.Fatal(err)
	}
	huge := npyFile("'<f8'", false, "(1000000000, 1000000000)", nil)
	deep := strings.Repeat(`{"__class__": "list", "__module__": "builtins", "__loader__": "ListNode", "content": [`, 600) +
		strings.Repeat("]}", 600)
	arrNode := `{"__class__": "ndarray", "__module__": "numpy", "__loader__": "NdArrayNode", "type": "numpy", "file": "a.npy", "__id__": 3}`
	tests := []struct {
		name    string
		file    []byte
		want    string
		refused string
	}{
		{"not a zip", []byte("PK\x03\x04 definitely not"), "not a zip", ""},
		{"wrong magic", []byte("\x93NUMPY\x01\x00"), "not a zip", ""},
		{"truncated zip", fixture[:len(fixture)/2], "not a zip", ""},
		{"no schema", skopsZip(t, "", nil)[:0], "not a zip", ""},
		{"bad json", skopsZip(t, "{", nil), "schema.json", ""},
		{"protocol 99", skopsZip(t, `{"__loader__": "JsonNode", "content": "1", "protocol": 99}`, nil), "protocol 99", ""},
		{"os.system", skopsZip(t, `{"__class__": "system", "__module__": "os", "__loader__": "FunctionNode", "protocol": 2}`, nil), "", "os.system"},
		{"builtins.eval type", skopsZip(t, `{"__class__": "eval", "__module__": "builtins", "__loader__": "TypeNode", "protocol": 2}`, nil), "", "builtins.eval"},
		{"subprocess.Popen", skopsZip(t, obj("subprocess", "Popen", ""), nil), "", "subprocess.Popen"},
		{"user class", skopsZip(t, obj("__main__", "MyTransformer", ""), nil), "", "__main__.MyTransformer"},
		{"partial of eval", skopsZip(t, `{"__class__": "partial", "__module__": "functools", "__loader__": "PartialNode", "protocol": 2, "content": {"func": {"__class__": "eval", "__module__": "builtins", "__loader__": "FunctionNode"}}}`, nil), "", "builtins.eval"},
		{"protocol 0 function", skopsZip(t, `{"__class__": "function", "__module__": "builtins", "__loader__": "FunctionNode", "protocol": 0, "content": {"module_path": "os", "function": "system"}}`, nil), "", "os.system"},
		{"method", skopsZip(t, `{"__class__": "Popen", "__module__": "subprocess", "__loader__": "MethodNode", "protocol": 2, "content": {"func": "kill"}}`, nil), "", "subprocess.Popen.kill"},
		{"unknown loader", skopsZip(t, `{"__class__": "x", "__module__": "y", "__loader__": "EvilNode", "protocol": 2}`, nil), "unknown skops node loader", ""},
		{"deep nesting", skopsZip(t, `{"protocol": 2, "__class__": "list", "__module__": "builtins", "__loader__": "ListNode", "content": [`+deep+`]}`, nil), "nested more than", ""},
		{"missing member", skopsZip(t, obj("sklearn.preprocessing._data", "StandardScaler", arrNode), nil), "no member", ""},
		{"huge npy shape", skopsZip(t, obj("sklearn.preprocessing._data", "StandardScaler", arrNode), map[string][]byte{"a.npy": huge}), "too large", ""},
		{"cached node unknown", skopsZip(t, `{"__class__": "x", "__module__": "y", "__loader__": "CachedNode", "__id__": 5, "protocol": 2}`, nil), "unknown id", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readSkopsBytes(tt.file)
			if err == nil {
				t.Fatal("got no error")
			}
			if tt.refused != "" {
				var re *RefusedError
				if !errors.As(err, &re) || !strings.HasSuffix(re.Name, tt.refused) {
					t.Errorf("got error %q, want %s refused", err, tt.refused)
				}
				return
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got error %q, want one containing %q", err, tt.want)
			}
		})
	}
}

// A member that declares fewer bytes than it inflates to is refused
// rather than read past its declared size.
func TestReadSkopsLyingMember(t *testing.T) {
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	body := []byte(`{"__class__": "str", "__module__": "builtins", "__loader__": "JsonNode", "content": "1", "protocol": 2}`)
	fw, err := w.CreateRaw(&zip.FileHeader{Name: "schema.json", Method: zip.Store, CompressedSize64: uint64(len(body)), UncompressedSize64: 5})
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(body)
	w.Close()
	_, err = readSkopsBytes(buf.Bytes())
	if err == nil || !strings.Contains(err.Error(), "declares") {
		t.Errorf("got error %v, want the declared size refused", err)
	}
}

func FuzzReadSkops(f *testing.F) {
	for _, name := range []string{"logreg_pipeline.skops", "decision_tree_regressor.skops"} {
		b, err := os.ReadFile(filepath.Join(fixtureDir, name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ReadSkops(bytes.NewReader(b), int64(len(b)), DefaultAllow())
	})
}

// FuzzSkopsSchema fuzzes schema.json and one .npy member inside a valid
// zip, which mutating whole zip files (and so their checksums) rarely
// reaches.
func FuzzSkopsSchema(f *testing.F) {
	arrNode := `{"__class__": "ndarray", "__module__": "numpy", "__loader__": "NdArrayNode", "type": "numpy", "file": "a.npy", "__id__": 3}`
	f.Add([]byte(obj("sklearn.preprocessing._data", "StandardScaler", arrNode)), npyFile("'<f8'", false, "(1,)", le64(0)))
	b, err := os.ReadFile(filepath.Join(fixtureDir, "decision_tree_classifier.skops"))
	if err != nil {
		f.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		f.Fatal(err)
	}
	var schema, npy []byte
	for _, zf := range zr.File {
		rc, _ := zf.Open()
		var buf bytes.Buffer
		buf.ReadFrom(rc)
		rc.Close()
		if zf.Name == "schema.json" {
			schema = buf.Bytes()
		} else if npy == nil {
			npy = buf.Bytes()
		}
	}
	f.Add(schema, npy)
	f.Fuzz(func(t *testing.T, schema, npy []byte) {
		var buf bytes.Buffer
		w := zip.NewWriter(&buf)
		fw, _ := w.Create("a.npy")
		fw.Write(npy)
		fw, _ = w.Create("schema.json")
		fw.Write(schema)
		w.Close()
		readSkopsBytes(buf.Bytes())
	})
}
