package parquet

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/weir-ml/weir/ml/frame"
)

// mustBank reads the bank-marketing CSV (WEIR_BANK_DATA, or the shared
// folder beside the repository), or skips.
func mustBank(tb testing.TB) *frame.Frame {
	tb.Helper()
	path := os.Getenv("WEIR_BANK_DATA")
	if path == "" {
		path = filepath.Join("..", "..", "..", "..", "shared", "data", "bank-marketing", "bank-full.csv")
	}
	if _, err := os.Stat(path); err != nil {
		tb.Skipf("bank-marketing data not found at %s (set WEIR_BANK_DATA): %v", path, err)
	}
	f, err := frame.ReadCSVFile(path, frame.CSVOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	return f
}

// TestBankRoundTrip writes the 45,211-row bank data as Parquet and reads it
// back with the same kinds and content digest.
func TestBankRoundTrip(t *testing.T) {
	want := mustBank(t)
	var b bytes.Buffer
	start := time.Now()
	if err := Write(&b, want); err != nil {
		t.Fatal(err)
	}
	wrote := time.Since(start)
	start = time.Now()
	got, err := ReadBytes(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d rows: %d bytes of Parquet, written in %s, read in %s", want.NumRows(), b.Len(), wrote.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
	if g, w := got.Schema().String(), want.Schema().String(); g != w {
		t.Errorf("schema: got %s, want %s", g, w)
	}
	if g, w := frame.Digest(got), frame.Digest(want); g != w {
		t.Errorf("digest: got %s, want %s", g, w)
	}
}

func BenchmarkReadBank(b *testing.B) {
	f := mustBank(b)
	var buf bytes.Buffer
	if err := Write(&buf, f); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(buf.Len()))
	for b.Loop() {
		if _, err := ReadBytes(buf.Bytes()); err != nil {
			b.Fatal(err)
		}
	}
}
