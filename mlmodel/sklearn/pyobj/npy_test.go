package pyobj

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"testing"
)

// npyFile builds a version-1 .npy file with the given header fields.
func npyFile(descr string, fortran bool, shape string, data []byte) []byte {
	f := "False"
	if fortran {
		f = "True"
	}
	h := fmt.Sprintf("{'descr': %s, 'fortran_order': %s, 'shape': %s, }", descr, f, shape)
	for (10+len(h)+1)%64 != 0 {
		h += " "
	}
	h += "\n"
	b := append([]byte("\x93NUMPY\x01\x00"), 0, 0)
	binary.LittleEndian.PutUint16(b[8:], uint16(len(h)))
	return append(append(b, h...), data...)
}

func le64(vs ...uint64) []byte {
	b := make([]byte, 8*len(vs))
	for i, v := range vs {
		binary.LittleEndian.PutUint64(b[8*i:], v)
	}
	return b
}

func TestReadNpy(t *testing.T) {
	be := make([]byte, 16)
	binary.BigEndian.PutUint64(be, math.Float64bits(1.5))
	binary.BigEndian.PutUint64(be[8:], math.Float64bits(-2))
	tests := []struct {
		name  string
		file  []byte
		dtype string
		shape string
		data  string
	}{
		{"float64", npyFile("'<f8'", false, "(2,)", le64(math.Float64bits(0.25), math.Float64bits(3))), "<f8", "[2]", "[0.25 3]"},
		{"big endian", npyFile("'>f8'", false, "(2,)", be), ">f8", "[2]", "[1.5 -2]"},
		{"float32", npyFile("'<f4'", false, "(1,)", []byte{0, 0, 0xc0, 0x3f}), "<f4", "[1]", "[1.5]"},
		{"float16", npyFile("'<f2'", false, "(2,)", []byte{0x00, 0x3c, 0x00, 0xc0}), "<f2", "[2]", "[1 -2]"},
		{"int16", npyFile("'<i2'", false, "(2,)", []byte{0xff, 0xff, 7, 0}), "<i2", "[2]", "[-1 7]"},
		{"uint8", npyFile("'|u1'", false, "(2,)", []byte{255, 1}), "|u1", "[2]", "[255 1]"},
		{"bool", npyFile("'|b1'", false, "(3,)", []byte{1, 0, 1}), "|b1", "[3]", "[1 0 1]"},
		{"unicode", npyFile("'<U2'", false, "(2,)", []byte("a\x00\x00\x00b\x00\x00\x00c\x00\x00\x00\x00\x00\x00\x00")), "<U2", "[2]", "[ab c]"},
		{"bytes", npyFile("'|S2'", false, "(2,)", []byte("xyz\x00")), "|S2", "[2]", "[xy z]"},
		{"scalar", npyFile("'<i8'", false, "()", le64(42)), "<i8", "[]", "[42]"},
		{"empty", npyFile("'<f8'", false, "(0, 3)", nil), "<f8", "[0 3]", "[]"},
		// [[1 2 3] [4 5 6]] stored column by column.
		{"fortran", npyFile("'<i8'", true, "(2, 3)", le64(1, 4, 2, 5, 3, 6)), "<i8", "[2 3]", "[1 2 3 4 5 6]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := ReadNpy(tt.file)
			if err != nil {
				t.Fatal(err)
			}
			if a.DType != tt.dtype || fmt.Sprint(a.Shape) != tt.shape || fmt.Sprint(a.Data) != tt.data {
				t.Errorf("got %s %v %v, want %s %s %s", a.DType, a.Shape, a.Data, tt.dtype, tt.shape, tt.data)
			}
		})
	}
}

func TestReadNpyRecord(t *testing.T) {
	// scikit-learn's tree node struct with its trailing padding.
	descr := "[('left_child', '<i8'), ('right_child', '<i8'), ('feature', '<i8'), ('threshold', '<f8'), " +
		"('impurity', '<f8'), ('n_node_samples', '<i8'), ('weighted_n_node_samples', '<f8'), " +
		"('missing_go_to_left', 'u1'), ('', '|V7')]"
	rec := le64(1, 2, 0, math.Float64bits(0.5), math.Float64bits(0.25), 10, math.Float64bits(10), 1)
	a, err := ReadNpy(npyFile(descr, false, "(1,)", rec))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(a.FieldNames, ","), "left_child,right_child,feature,threshold,impurity,n_node_samples,weighted_n_node_samples,missing_go_to_left"; got != want {
		t.Errorf("fields: got %s, want %s", got, want)
	}
	th, _ := a.Field("threshold")
	if got := th.Data.([]float64)[0]; got != 0.5 {
		t.Errorf("threshold: got %v, want 0.5", got)
	}
	m, _ := a.Field("missing_go_to_left")
	if got := m.Data.([]int64)[0]; got != 1 {
		t.Errorf("missing_go_to_left: got %v, want 1", got)
	}
}

func TestReadNpyHostile(t *testing.T) {
	tests := []struct {
		name, file, want string
	}{
		{"wrong magic", "\x93NUMPZ\x01\x00\x00\x00", "wrong magic"},
		{"empty", "", "wrong magic"},
		{"header longer than file", "\x93NUMPY\x01\x00\xff\xff{}", "longer than the file"},
		{"version 9", "\x93NUMPY\x09\x00\x00\x00", "version 9"},
		{"huge shape", string(npyFile("'<f8'", false, "(1000000000000, 1000000000000)", nil)), "too large"},
		{"overflowing shape", string(npyFile("'<f8'", false, "(4294967296, 4294967296, 4294967296)", nil)), "too large"},
		{"shape beyond data", string(npyFile("'<f8'", false, "(3,)", le64(1, 2))), "needs 24 bytes"},
		{"negative shape", string(npyFile("'<f8'", false, "(-1,)", nil)), "non-negative"},
		{"object array", string(npyFile("'|O'", false, "(1,)", le64(0))), "object arrays"},
		{"complex", string(npyFile("'<c16'", false, "(1,)", le64(0, 0))), "unsupported dtype"},
		{"bad bool", string(npyFile("'|b1'", false, "(1,)", []byte{7})), "not 0 or 1"},
		{"bad header", string(npyFile("'<f8'", false, "(1,", le64(0))), "npy header"},
		{"huge uint64", string(npyFile("'<u8'", false, "(1,)", le64(1<<63))), "does not fit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadNpy([]byte(tt.file))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func FuzzReadNpy(f *testing.F) {
	f.Add(npyFile("'<f8'", false, "(2,)", le64(1, 2)))
	f.Add(npyFile("[('a', '<i8'), ('', '|V8')]", false, "(1,)", le64(1, 2)))
	f.Add(npyFile("'<U2'", true, "(1, 1)", le64(1)))
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := ReadNpy(b)
		if err == nil && a.Fields == nil && a.Data == nil {
			t.Fatal("no error and no data")
		}
	})
}
