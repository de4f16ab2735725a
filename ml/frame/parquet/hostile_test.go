package parquet

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func mustValidFile(t testing.TB) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := WriteRowGroups(&b, mustEveryKind(t), 2); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestReadHostile(t *testing.T) {
	good := mustValidFile(t)
	footerLen := func(b []byte, n uint32) []byte {
		out := bytes.Clone(b)
		binary.LittleEndian.PutUint32(out[len(out)-8:], n)
		return out
	}
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "not a Parquet file"},
		{"csv", []byte("a,b\n1,2\n3,4\n"), "not a Parquet file"},
		{"wrong magic", append([]byte("PAR2"), good[4:]...), "not a Parquet file"},
		{"truncated", good[:len(good)/2], "truncated"},
		{"cut footer", good[:len(good)-3], "truncated"},
		{"huge footer length", footerLen(good, 0xfffffff0), "parquet"},
		{"footer past the start", footerLen(good, uint32(len(good))), "parquet"},
		{"encrypted", append(bytes.Clone(good[:len(good)-4]), "PARE"...), "encrypted"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadBytes(tc.data)
			if err == nil {
				t.Fatal("got no error")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %q, want it to mention %q", err, tc.want)
			}
		})
	}
}

// TestReadCorruptBytes flips every byte of a valid file in turn: each read
// must end in a frame or an error, never a panic or a hang.
func TestReadCorruptBytes(t *testing.T) {
	good := mustValidFile(t)
	for i := range good {
		for _, x := range []byte{0xff, 0x80, 0x01} {
			b := bytes.Clone(good)
			b[i] ^= x
			ReadBytes(b) // a panic fails the test
		}
	}
}

func FuzzRead(f *testing.F) {
	f.Add(mustValidFile(f))
	if b, err := os.ReadFile(filepath.Join(fixtures, "pandas_written.parquet")); err == nil {
		f.Add(b)
	}
	f.Add([]byte("PAR1\x00\x00\x00\x00PAR1"))
	f.Fuzz(func(t *testing.T, b []byte) {
		fr, err := ReadBytes(b)
		if err == nil && fr == nil {
			t.Fatal("nil frame without an error")
		}
	})
}
