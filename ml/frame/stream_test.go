package frame

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"testing"
)

// genReader produces a CSV of rows rows on the fly, so the test input never
// exists in memory as a whole.
type genReader struct {
	rows, next int
	buf        []byte
}

func (g *genReader) Read(p []byte) (int, error) {
	for len(g.buf) < len(p) && g.next <= g.rows {
		if g.next == 0 {
			g.buf = append(g.buf, "id,amount,segment,flag\n"...)
		} else {
			i := g.next
			g.buf = strconv.AppendInt(g.buf, int64(i), 10)
			g.buf = append(g.buf, ',')
			g.buf = strconv.AppendFloat(g.buf, float64(i%1000)/8, 'g', -1, 64)
			g.buf = append(g.buf, ",seg"...)
			g.buf = strconv.AppendInt(g.buf, int64(i%7), 10)
			g.buf = append(g.buf, ",true\n"...)
		}
		g.next++
	}
	if len(g.buf) == 0 {
		return 0, io.EOF
	}
	n := copy(p, g.buf)
	g.buf = g.buf[:copy(g.buf, g.buf[n:])]
	return n, nil
}

// TestCSVReaderBoundedMemory streams a generated file several times larger
// than the heap bound the test allows, batch by batch. Memory is bounded by
// design (a batch's records and columns, plus the dictionaries), so the live
// heap after each batch must stay near one batch whatever the file size.
func TestCSVReaderBoundedMemory(t *testing.T) {
	rows := 1_500_000 // about 50 MB of CSV
	if testing.Short() {
		rows = 600_000 // still holds more than bound if retained
	}
	const batch = 20_000
	const bound = 8 << 20 // retaining every batch would need > 12 MB even in -short
	cr, err := NewCSVReader(&genReader{rows: rows}, CSVOptions{BatchRows: batch})
	if err != nil {
		t.Fatal(err)
	}
	var ms runtime.MemStats
	var maxHeap uint64
	total := 0
	for k := 0; ; k++ {
		f, err := cr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		total += f.NumRows()
		if k%15 == 0 {
			runtime.GC()
			runtime.ReadMemStats(&ms)
			maxHeap = max(maxHeap, ms.HeapAlloc)
			runtime.KeepAlive(f) // measure with the current batch live
		}
	}
	if total != rows {
		t.Errorf("rows read = %d, want %d", total, rows)
	}
	if got, want := cr.Schema().String(), "id:int, amount:float, segment:categorical, flag:bool"; got != want {
		t.Errorf("schema = %s, want %s", got, want)
	}
	t.Logf("max live heap %.1f MB over %d rows", float64(maxHeap)/(1<<20), rows)
	if maxHeap > bound {
		t.Errorf("live heap reached %d bytes, want at most %d: the reader is holding more than a batch", maxHeap, bound)
	}
}

func BenchmarkReadCSVBank(b *testing.B) {
	path := bankPath(b)
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(st.Size())
	b.ReportAllocs()
	for b.Loop() {
		f, err := ReadCSVFile(path, CSVOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if f.NumRows() != 45211 {
			b.Fatal(fmt.Sprint("rows ", f.NumRows()))
		}
	}
}

func BenchmarkDigestBank(b *testing.B) {
	f, err := ReadCSVFile(bankPath(b), CSVOptions{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		Digest(f)
	}
}
