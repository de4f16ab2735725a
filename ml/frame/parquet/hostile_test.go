package parquet

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
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

// TestReadMutatedBoundedMemory reads thousands of randomly damaged copies
// of Weir's and pandas' files and checks that none makes the reader
// allocate more than maxAlloc: parquet-go sizes buffers from declared page
// sizes, run lengths and codec streams, which Read checks first (a single
// such file once allocated 32 GB).
func TestReadMutatedBoundedMemory(t *testing.T) {
	const maxAlloc = 32 << 20
	srcs := [][]byte{mustValidFile(t)}
	if b, err := os.ReadFile(filepath.Join(fixtures, "pandas_written.parquet")); err == nil {
		srcs = append(srcs, b)
	}
	n := 4000
	if testing.Short() {
		n = 400
	}
	r := rand.New(rand.NewPCG(1, 2))
	for k := range n {
		src := srcs[k%len(srcs)]
		b := bytes.Clone(src)
		for range 1 + r.IntN(8) {
			switch r.IntN(3) {
			case 0:
				b[r.IntN(len(b))] = byte(r.IntN(256))
			case 1:
				i := r.IntN(len(b) - 4)
				copy(b[i:], []byte{0xff, 0xff, 0xff, 0x7f}[:r.IntN(4)+1])
			default:
				b[r.IntN(len(b))] ^= 1 << r.IntN(8)
			}
		}
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		ReadBytes(b)
		runtime.ReadMemStats(&m1)
		if d := m1.TotalAlloc - m0.TotalAlloc; d > maxAlloc {
			t.Fatalf("mutation %d: one read allocated %d MB, want at most %d", k, d>>20, maxAlloc>>20)
		}
	}
}
