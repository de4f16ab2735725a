package frame

import (
	"strings"
	"testing"
)

// FuzzReadCSV checks that no input makes the reader panic, and that what it
// reads is a consistent frame. The seeds run as part of go test.
func FuzzReadCSV(f *testing.F) {
	for _, seed := range []string{
		"a,b\n1,2\n", "\ufeff\"a\";\"b\"\r\n1;\"x\"\r\n", "a|b\n\"x\n", "a\tb\n1\t2\t3\n",
		"a\n1\n2.5\nx\n", "\"\"\n\"\n", ",\n,\n", "a\n2024-01-01\nNA\n", "",
	} {
		f.Add(seed, 2)
	}
	f.Fuzz(func(t *testing.T, text string, batch int) {
		if batch < 1 || batch > 100 {
			batch = 3
		}
		fr, err := ReadCSV(strings.NewReader(text), CSVOptions{BatchRows: batch})
		if err != nil {
			return
		}
		for j := 0; j < fr.NumCols(); j++ {
			c := fr.ColumnAt(j)
			if c.Len() != fr.NumRows() {
				t.Fatalf("column %d has %d rows, frame %d", j, c.Len(), fr.NumRows())
			}
			for i := 0; i < c.Len(); i++ {
				_ = c.Text(i)
			}
		}
		_ = Digest(fr)
	})
}
