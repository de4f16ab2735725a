package pipeline

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/weir-ml/weir/ml/frame"
	"github.com/weir-ml/weir/ml/frame/parquet"
)

// TestReadDataParquet checks that a Parquet copy of a CSV file reads as the
// same data: same columns, kinds and content digest.
func TestReadDataParquet(t *testing.T) {
	dir := t.TempDir()
	csvPath := filepath.Join(dir, "d.csv")
	os.WriteFile(csvPath, []byte("age,job,balance,y\n30,admin.,1.5,no\n41,,-2,yes\n52,technician,,no\n"), 0o644)
	want, err := readData(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	pqPath := filepath.Join(dir, "d.parquet")
	f, err := os.Create(pqPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := parquet.Write(f, want); err != nil {
		t.Fatal(err)
	}
	f.Close()
	got, err := readData(pqPath)
	if err != nil {
		t.Fatal(err)
	}
	if g, w := got.Schema().String(), want.Schema().String(); g != w {
		t.Errorf("schema: got %s, want %s", g, w)
	}
	if g, w := frame.Digest(got), frame.Digest(want); g != w {
		t.Errorf("digest: got %s, want %s", g, w)
	}
}
