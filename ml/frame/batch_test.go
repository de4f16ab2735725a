package frame

import (
	"encoding/csv"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
)

// readAsText reads text with every column categorical and nothing missing,
// so each value's Text is the field exactly as read.
func readAsText(text string, delim rune, batchRows int) ([][]string, error) {
	return readAsTextFrom(strings.NewReader(text), text, delim, batchRows)
}

func readAsTextFrom(r io.Reader, text string, delim rune, batchRows int) ([][]string, error) {
	head, err := csvReader(text, delim).Read()
	if err != nil {
		return nil, err
	}
	kinds := map[string]Kind{}
	for _, n := range head {
		kinds[n] = Categorical
	}
	f, err := ReadCSV(r, CSVOptions{Delimiter: delim, Missing: []string{}, Kinds: kinds, BatchRows: batchRows})
	if err != nil {
		return nil, err
	}
	out := [][]string{f.Names()}
	for i := range f.NumRows() {
		var rec []string
		for j := range f.NumCols() {
			rec = append(rec, f.ColumnAt(j).Text(i))
		}
		out = append(out, rec)
	}
	return out, nil
}

func csvReader(text string, delim rune) *csv.Reader {
	r := csv.NewReader(strings.NewReader(text))
	r.Comma = delim
	return r
}

// encodingCSV reads text with encoding/csv alone: the reference.
func encodingCSV(text string, delim rune) ([][]string, error) {
	return csvReader(text, delim).ReadAll()
}

var csvCases = []struct {
	name, text string
	delim      rune
}{
	{"plain", "a,b\n1,x\n2,y\n", ','},
	{"crlf and no final newline", "a,b\r\n1,x\r\n2,y", ','},
	{"final carriage return", "a,b\n1,x\r", ','},
	{"empty lines", "a,b\n\n1,x\r\n\r\n2,y\n\n", ','},
	{"quoted line between fast ones", "a,b\n1,x\n\"q,1\",\"say \"\"hi\"\"\"\n3,z\n", ','},
	{"quoted field over lines", "a,b\n1,x\n\"two\nlines\",y\n4,\"three\r\nmore\nlines\"\n5,w\n", ','},
	{"empty fields", "a,b,c\n,,\n1,,\n,,3\n", ','},
	{"lone carriage return inside", "a,b\n1\r2,x\n", ','},
	{"long line", "a,b\n" + strings.Repeat("x", 200<<10) + ",1\n2,3\n", ','},
	{"long quoted line", "a,b\n\"" + strings.Repeat("y", 100<<10) + "\",1\n2,3\n", ','},
	{"semicolons", "a;b\n1;2,5\n", ';'},
	{"multi-byte delimiter", "a…b\n1…x\n\"2…\"…y\n", '…'},
}

func TestCSVReaderMatchesEncodingCSV(t *testing.T) {
	for _, tt := range csvCases {
		for _, batch := range []int{1, 2, 1000} {
			want, err := encodingCSV(tt.text, tt.delim)
			if err != nil {
				t.Fatalf("%s: encoding/csv: %v", tt.name, err)
			}
			// Short reads move the buffered bytes and split lines.
			for _, rd := range []struct {
				name string
				wrap func(io.Reader) io.Reader
			}{
				{"whole", func(r io.Reader) io.Reader { return r }},
				{"one byte", iotest.OneByteReader},
				{"half", iotest.HalfReader},
				{"data with EOF", iotest.DataErrReader},
			} {
				got, err := readAsTextFrom(rd.wrap(strings.NewReader(tt.text)), tt.text, tt.delim, batch)
				if err != nil {
					t.Errorf("%s, batches of %d, %s reads: %v", tt.name, batch, rd.name, err)
					continue
				}
				if !equalRecords(got, want) {
					t.Errorf("%s, batches of %d, %s reads:\ngot  %q\nwant %q", tt.name, batch, rd.name, got, want)
				}
			}
		}
	}
}

func equalRecords(a, b [][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if strings.Join(a[i], "\x00") != strings.Join(b[i], "\x00") || len(a[i]) != len(b[i]) {
			return false
		}
	}
	return true
}

// TestCSVReaderErrorLines checks that errors name the file's line, whether
// the fast path or encoding/csv read the lines before.
func TestCSVReaderErrorLines(t *testing.T) {
	tests := []struct {
		text, want string
	}{
		{"a,b\n1,2\n\n3\n", "line 4 has 1 fields"},
		{"a,b\n1,\"x\ny\"\n3\n", "line 4 has 1 fields"},
		// Parse errors read as encoding/csv's on the whole text.
		{"a,b\n1,2\n3,\"x\"y\n", ""},
		{"a,b\nw,2\n\"x\ny\",2\n4,\"open\n", ""},
		{"a,b\n1,2\n3,x\"y\n", ""},
		{"n\n1\n2\nx\n", "line 4"}, // an int column meets a word
	}
	for _, tt := range tests {
		if tt.want == "" {
			_, err := encodingCSV(tt.text, ',')
			tt.want = err.Error()
		}
		_, err := ReadCSV(strings.NewReader(tt.text), CSVOptions{BatchRows: 1})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: err = %v, want it to contain %q", tt.text, err, tt.want)
		}
	}
}

// errReader fails after its text.
type errReader struct{ r io.Reader }

var errDisk = errors.New("disk on fire")

func (e *errReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err == io.EOF {
		return n, errDisk
	}
	return n, err
}

func TestCSVReaderReadError(t *testing.T) {
	_, err := ReadCSV(&errReader{strings.NewReader("a,b\n1,2\n3,4")}, CSVOptions{})
	if !errors.Is(err, errDisk) {
		t.Errorf("err = %v, want the reader's error", err)
	}
}

// FuzzCSVReaderMatchesEncodingCSV checks that whatever encoding/csv reads
// as a rectangular table, the reader reads to the same fields.
func FuzzCSVReaderMatchesEncodingCSV(f *testing.F) {
	for _, tt := range csvCases {
		if len(tt.text) < 1000 && tt.delim == ',' {
			f.Add(tt.text, 2)
		}
	}
	f.Fuzz(func(t *testing.T, text string, batch int) {
		if batch < 1 || batch > 100 {
			batch = 3
		}
		want, err := encodingCSV(text, ',')
		if err != nil || len(want) == 0 {
			return
		}
		seen := map[string]bool{}
		for _, n := range want[0] {
			if n == "" || seen[n] {
				return // names the reader refuses
			}
			seen[n] = true
		}
		for _, rec := range want {
			if len(rec) != len(want[0]) {
				return
			}
		}
		if strings.HasPrefix(text, "\ufeff") {
			return // the reader drops a byte-order mark, encoding/csv does not
		}
		got, err := readAsText(text, ',', batch)
		if err != nil {
			t.Fatalf("%q: %v (encoding/csv read %q)", text, err, want)
		}
		if !equalRecords(got, want) {
			t.Fatalf("%q:\ngot  %q\nwant %q", text, got, want)
		}
	})
}

func TestParseShortDecimalMatchesStrconv(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	inputs := []string{"0", "-0", "+0", "0.0", "-0.0", ".5", "5.", "-.5", "1.5", "123456789012345", "12345678901234.5",
		"0.000000000000001", "999999999999999", "-999999999999999.", "9007199254740993", "1234567890123456", "00000000000000001"}
	for range 20000 {
		digits := 1 + rng.IntN(15)
		b := make([]byte, 0, 20)
		if rng.IntN(2) == 0 {
			b = append(b, '-')
		}
		point := rng.IntN(digits + 1)
		for i := range digits {
			if i == point && rng.IntN(3) > 0 {
				b = append(b, '.')
			}
			b = append(b, byte('0'+rng.IntN(10)))
		}
		inputs = append(inputs, string(b))
	}
	for _, in := range inputs {
		want, err := strconv.ParseFloat(in, 64)
		got, ok := parseFloat([]byte(in))
		if !ok || err != nil || math.Float64bits(got) != math.Float64bits(want) {
			t.Errorf("parseFloat(%q) = %v, %v; strconv gives %v, %v", in, got, ok, want, err)
		}
	}
	for _, bad := range []string{"", "-", ".", "+.", "1.2.3", "1e5x", "--1", "1-"} {
		if _, ok := parseShortDecimal([]byte(bad)); ok {
			t.Errorf("parseShortDecimal(%q): ok", bad)
		}
	}
}
