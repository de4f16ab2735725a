package pyobj

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadPickleValues(t *testing.T) {
	tests := []struct {
		name, pickle string
		want         any
	}{
		// pickle.dumps([1, -2, 3.5, "x", None, True], protocol=2)
		{"list", "\x80\x02]q\x00(K\x01J\xfe\xff\xff\xffG@\x0c\x00\x00\x00\x00\x00\x00X\x01\x00\x00\x00xq\x01N\x88e.",
			[]any{int64(1), int64(-2), 3.5, "x", nil, true}},
		// pickle.dumps({"a": (1, 2), 3: 2**70}, protocol=4)
		{"dict", "\x80\x04\x95\x1f\x00\x00\x00\x00\x00\x00\x00}\x94(\x8c\x01a\x94K\x01K\x02\x86\x94K\x03\x8a\t\x00\x00\x00\x00\x00\x00\x00\x00@u.",
			map[string]any{"a": []any{int64(1), int64(2)}, "3": float64(1 << 70)}},
		// a = []; pickle.dumps([a, a], protocol=2): the shared list is one value.
		{"shared", "\x80\x02]q\x00(]q\x01h\x01e.", []any{[]any{}, []any{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadPickle(strings.NewReader(tt.pickle), DefaultAllow())
			if err != nil {
				t.Fatal(err)
			}
			if !equalValues(got, tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

func equalValues(a, b any) bool {
	switch a := a.(type) {
	case []any:
		b, ok := b.([]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for i := range a {
			if !equalValues(a[i], b[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		b, ok := b.(map[string]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for k := range a {
			if !equalValues(a[k], b[k]) {
				return false
			}
		}
		return true
	}
	return a == b
}

func TestReadPickleHostile(t *testing.T) {
	deep := "\x80\x02" + strings.Repeat("]", 5000) + strings.Repeat("a", 4999) + "."
	tests := []struct {
		name, pickle, want string
		refused            string
	}{
		{"os.system", "\x80\x02cos\nsystem\nX\x02\x00\x00\x00lsq\x00\x85R.", "", "os.system"},
		{"posix.system", "cposix\nsystem\n(S'ls'\ntR.", "", "posix.system"},
		{"builtins.eval", "\x80\x04\x8c\x08builtins\x8c\x04eval\x93\x8c\x011\x85R.", "", "builtins.eval"},
		{"subprocess.Popen", "\x80\x04\x8c\nsubprocess\x8c\x05Popen\x93).", "", "subprocess.Popen"},
		{"getattr", "\x80\x04\x8c\x08builtins\x8c\x07getattr\x93.", "", "builtins.getattr"},
		{"user class", "\x80\x04\x8c\x08__main__\x8c\x05Model\x93.", "", "__main__.Model"},
		{"cloudpickled function", "\x80\x04\x8c\x17cloudpickle.cloudpickle\x8c\x0e_make_function\x93.", "", "cloudpickle.cloudpickle._make_function"},
		{"memo get out of range", "\x80\x02h\x05.", "memo index 5", ""},
		{"long memo get", "\x80\x02j\xff\xff\xff\x7f.", "memo index", ""},
		{"deep nesting", deep, "nested more than", ""},
		{"no stop", "\x80\x02K\x01", "without STOP", ""},
		{"empty", "", "without STOP", ""},
		{"huge bytes8", "\x80\x05\x8e\xff\xff\xff\xff\xff\xff\xff\x7f.", "truncated", ""},
		{"huge unicode", "\x80\x02X\xff\xff\xff\xff.", "truncated", ""},
		{"huge long4", "\x80\x02\x8b\xff\xff\xff\x7f.", "truncated", ""},
		{"stack underflow", "\x80\x02R.", "underflow", ""},
		{"append to int", "\x80\x02K\x01(K\x02e.", "cannot append", ""},
		{"unknown opcode", "\x80\x02\xff.", "unsupported pickle opcode 0xff", ""},
		{"protocol 6", "\x80\x06N.", "protocol 6", ""},
		{"next buffer", "\x80\x05\x97.", "out-of-band", ""},
		{"persistent id", "\x80\x02NQ.", "persistent", ""},
		{"reduce of a string", "\x80\x02X\x01\x00\x00\x00x)R.", "not a class", ""},
		{"dict key tuple", "\x80\x02}(K\x01K\x02\x86K\x03u.", "dict key of type list", ""},
		{"unbuilt array", "\x80\x02cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\nK\x00\x85C\x01b\x87R.", "never given its data", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadPickle(strings.NewReader(tt.pickle), DefaultAllow())
			if err == nil {
				t.Fatal("got no error")
			}
			if tt.refused != "" {
				var re *RefusedError
				if !errors.As(err, &re) || re.Name != tt.refused && !strings.HasSuffix(re.Name, tt.refused) ||
					!strings.Contains(err.Error(), "weir models serve --env-manager local") {
					t.Errorf("got error %q, want %s refused with the advice to serve with Python", err, tt.refused)
				}
				return
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got error %q, want one containing %q", err, tt.want)
			}
		})
	}
}

// A pickle that names one buffer many times is refused once the decoded
// data outgrows the file, instead of decoding the buffer again each time.
func TestReadPickleRepeatedBuffer(t *testing.T) {
	var b strings.Builder
	b.WriteString("\x80\x05")
	b.WriteString("\x8c\x13numpy._core.numeric\x8c\x0b_frombuffer\x93\x94") // memo 0
	b.WriteString("\x8e\x00\x00\x01\x00\x00\x00\x00\x00" + strings.Repeat("\x00", 1<<16) + "\x94")
	b.WriteString("\x8c\x05numpy\x8c\x05dtype\x93\x8c\x02f8\x89\x88\x87R\x94") // memo 2
	b.WriteString("M\x00\x20\x85\x94")                                         // (8192,), memo 3
	b.WriteString("\x8c\x01C\x94")                                             // memo 4
	b.WriteString("](")
	for i := 0; i < 1000; i++ {
		b.WriteString("h\x00(h\x01h\x02h\x03h\x04tR")
	}
	b.WriteString("e.")
	_, err := ReadPickle(strings.NewReader(b.String()), DefaultAllow())
	if err == nil || !strings.Contains(err.Error(), "more than the pickle holds") {
		t.Errorf("got error %v, want the repeated buffer refused", err)
	}
	// Once is fine.
	one := strings.Replace(b.String(), strings.Repeat("h\x00(h\x01h\x02h\x03h\x04tR", 1000), "h\x00(h\x01h\x02h\x03h\x04tR", 1)
	v, err := ReadPickle(strings.NewReader(one), DefaultAllow())
	if err != nil {
		t.Fatal(err)
	}
	if a := v.([]any)[0].(*Array); a.Len() != 8192 || a.DType != "<f8" {
		t.Errorf("got %s %v, want <f8 [8192]", a.DType, a.Shape)
	}
}

// A pickle that merges one large dict into many objects is refused once
// the copies outgrow the file.
func TestReadPickleRepeatedState(t *testing.T) {
	var b strings.Builder
	b.WriteString("\x80\x04}\x94(") // memo 0: a dict of 5000 items
	for i := 0; i < 5000; i++ {
		b.WriteString("M" + string([]byte{byte(i), byte(i >> 8)}) + "N")
	}
	b.WriteString("u0")
	b.WriteString("\x8c\x10sklearn.pipeline\x8c\x08Pipeline\x93\x94") // memo 1
	b.WriteString("](")
	for i := 0; i < 2000; i++ {
		// Pipeline.__new__ with (state, slot state) both the big dict.
		b.WriteString("h\x01)\x81h\x00h\x00\x86b")
	}
	b.WriteString("e.")
	_, err := ReadPickle(strings.NewReader(b.String()), DefaultAllow())
	if err == nil || !strings.Contains(err.Error(), "copies its containers") {
		t.Errorf("got error %v, want the repeated copies refused", err)
	}
}

// An allow-list can be widened for a class a deployment trusts.
func TestAllowWith(t *testing.T) {
	p := "\x80\x04\x8c\x05mylib\x8c\x05Model\x93)\x81}\x8c\x01a\x8c\x01bsb."
	if _, err := ReadPickle(strings.NewReader(p), DefaultAllow()); err == nil {
		t.Fatal("mylib.Model read without being allowed")
	}
	v, err := ReadPickle(strings.NewReader(p), DefaultAllow().With("mylib.Model"))
	if err != nil {
		t.Fatal(err)
	}
	o, ok := v.(*Object)
	if !ok || o.Name() != "mylib.Model" || o.State["a"] != "b" {
		t.Errorf("got %#v, want a mylib.Model with a=b", v)
	}
}

func FuzzReadPickle(f *testing.F) {
	for _, name := range []string{"logreg_pipeline.pickle.pkl", "decision_tree_classifier.p5.pkl", "hist_gradient_boosting_classifier.pickle.pkl"} {
		b, err := os.ReadFile(filepath.Join(fixtureDir, name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("\x80\x02]q\x00(]q\x01h\x01e."))
	f.Fuzz(func(t *testing.T, b []byte) {
		ReadPickle(bytes.NewReader(b), DefaultAllow())
	})
}
