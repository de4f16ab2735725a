package frame

import (
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// bankPath returns the bank-marketing CSV, or skips the test when it is absent.
func bankPath(tb testing.TB) string {
	tb.Helper()
	p := os.Getenv("WEIR_BANK_DATA")
	if p == "" {
		p = filepath.Join("..", "..", "..", "shared", "data", "bank-marketing", "bank-full.csv")
	}
	if _, err := os.Stat(p); err != nil {
		tb.Skipf("bank-marketing data not found at %s (set WEIR_BANK_DATA): %v", p, err)
	}
	return p
}

// MustReadCSV reads text as CSV or fails the test.
func MustReadCSV(tb testing.TB, text string, opts CSVOptions) *Frame {
	tb.Helper()
	f, err := ReadCSV(strings.NewReader(text), opts)
	if err != nil {
		tb.Fatalf("ReadCSV: %v", err)
	}
	return f
}

func TestReadCSVBank(t *testing.T) {
	path := bankPath(t)
	f, err := ReadCSVFile(path, CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := f.NumRows(), 45211; got != want {
		t.Errorf("NumRows = %d, want %d", got, want)
	}
	if got, want := f.NumCols(), 17; got != want {
		t.Errorf("NumCols = %d, want %d", got, want)
	}
	wantKinds := map[string]Kind{
		"age": Int, "job": Categorical, "marital": Categorical, "education": Categorical,
		"default": Categorical, "balance": Int, "housing": Categorical, "loan": Categorical,
		"contact": Categorical, "day": Int, "month": Categorical, "duration": Int,
		"campaign": Int, "pdays": Int, "previous": Int, "poutcome": Categorical, "y": Categorical,
	}
	for _, fl := range f.Schema().Fields {
		if fl.Kind != wantKinds[fl.Name] {
			t.Errorf("column %s kind = %s, want %s", fl.Name, fl.Kind, wantKinds[fl.Name])
		}
	}
	y, err := f.Column("y")
	if err != nil {
		t.Fatal(err)
	}
	yes := 0
	for i := 0; i < y.Len(); i++ {
		if y.Text(i) == "yes" {
			yes++
		}
	}
	if got, want := yes, 5289; got != want {
		t.Errorf("y=yes count = %d, want %d", got, want)
	}
	age, _ := f.Column("age")
	if got, want := age.Float(0), 58.0; got != want {
		t.Errorf("age[0] = %v, want %v", got, want)
	}

	// Streaming in small batches must give the same content and digest.
	file, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	cr, err := NewCSVReader(file, CSVOptions{BatchRows: 7000})
	if err != nil {
		t.Fatal(err)
	}
	d := NewDigester()
	var batches []*Frame
	for {
		b, err := cr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Add(b); err != nil {
			t.Fatal(err)
		}
		batches = append(batches, b)
	}
	if got, want := len(batches), 7; got != want {
		t.Errorf("batches = %d, want %d", got, want)
	}
	if got, want := d.Sum(), Digest(f); got != want {
		t.Errorf("streamed digest = %s, want %s", got, want)
	}
	all, err := Concat(batches...)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := Digest(all), Digest(f); got != want {
		t.Errorf("digest of concatenated batches = %s, want %s", got, want)
	}
}

func TestReadCSVUCIForm(t *testing.T) {
	f, err := ReadCSVFile(filepath.Join("testdata", "uci_form.csv"), CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := f.Schema().String(),
		"age:int, job:categorical, marital:categorical, balance:int, joined:time, vip:bool, score:float, y:categorical"; got != want {
		t.Errorf("schema = %s, want %s", got, want)
	}
	if got, want := f.NumRows(), 4; got != want {
		t.Fatalf("NumRows = %d, want %d", got, want)
	}
	tests := []struct {
		col  string
		row  int
		want any
	}{
		{"age", 0, int64(41)},
		{"age", 2, nil},
		{"job", 1, "blue-collar"},
		{"balance", 1, int64(-35)},
		{"joined", 3, time.Date(2010, 11, 30, 0, 0, 0, 0, time.UTC)},
		{"vip", 3, true},
		{"vip", 2, nil},
		{"score", 1, nil},
		{"score", 2, 1.25},
		{"y", 1, "yes"},
	}
	for _, tt := range tests {
		c, err := f.Column(tt.col)
		if err != nil {
			t.Fatal(err)
		}
		got := c.Value(tt.row)
		if gt, ok := got.(time.Time); ok {
			if !gt.Equal(tt.want.(time.Time)) {
				t.Errorf("%s[%d] = %v, want %v", tt.col, tt.row, got, tt.want)
			}
			continue
		}
		if got != tt.want {
			t.Errorf("%s[%d] = %#v, want %#v", tt.col, tt.row, got, tt.want)
		}
	}
}

func TestReadCSVForms(t *testing.T) {
	tests := []struct {
		name   string
		text   string
		opts   CSVOptions
		schema string
		delim  rune
		rows   int
		check  func(t *testing.T, f *Frame)
	}{
		{
			name: "bom and crlf", text: "\ufeffa,b\r\n1,x\r\n2,y\r\n",
			schema: "a:int, b:categorical", delim: ',', rows: 2,
		},
		{
			name: "tab", text: "a\tb\n1.5\tx\n2\ty\n",
			schema: "a:float, b:categorical", delim: '\t', rows: 2,
		},
		{
			name: "pipe with quoted pipe", text: "a|b\n\"x|y\"|1\nz|2\n",
			schema: "a:categorical, b:int", delim: '|', rows: 2,
			check: func(t *testing.T, f *Frame) {
				a, _ := f.Column("a")
				if got, want := a.Text(0), "x|y"; got != want {
					t.Errorf("a[0] = %q, want %q", got, want)
				}
			},
		},
		{
			name: "quoted newline and escaped quote", text: "a,b\n\"line1\nline2\",\"say \"\"hi\"\"\"\n",
			schema: "a:categorical, b:categorical", delim: ',', rows: 1,
			check: func(t *testing.T, f *Frame) {
				a, _ := f.Column("a")
				b, _ := f.Column("b")
				if a.Text(0) != "line1\nline2" || b.Text(0) != `say "hi"` {
					t.Errorf("got %q %q", a.Text(0), b.Text(0))
				}
			},
		},
		{
			name: "missing tokens", text: "a,b\n1,NA\n?,null\n3,x\n",
			schema: "a:int, b:categorical", delim: ',', rows: 3,
			check: func(t *testing.T, f *Frame) {
				a, _ := f.Column("a")
				b, _ := f.Column("b")
				if !a.IsMissing(1) || !b.IsMissing(0) || !b.IsMissing(1) || b.IsMissing(2) {
					t.Errorf("missing mask wrong: a=%v b=%v", a.(*IntColumn).Missing, b.(*CategoricalColumn).Codes)
				}
			},
		},
		{
			name: "custom missing tokens", text: "a\nNA\n-\n", opts: CSVOptions{Missing: []string{"-"}},
			schema: "a:categorical", delim: ',', rows: 2,
			check: func(t *testing.T, f *Frame) {
				a, _ := f.Column("a")
				if a.IsMissing(0) || !a.IsMissing(1) {
					t.Errorf("NA should be a value and - missing")
				}
			},
		},
		{
			name: "no header", text: "1,x\n2,y\n", opts: CSVOptions{NoHeader: true},
			schema: "c1:int, c2:categorical", delim: ',', rows: 2,
		},
		{
			name: "names replace header", text: "a,b\n1,x\n", opts: CSVOptions{Names: []string{"p", "q"}},
			schema: "p:int, q:categorical", delim: ',', rows: 1,
		},
		{
			name: "override kinds", text: "day,flag\n5,1\n6,0\n",
			opts:   CSVOptions{Kinds: map[string]Kind{"day": Categorical, "flag": Float}},
			schema: "day:categorical, flag:float", delim: ',', rows: 2,
		},
		{
			name: "all missing is categorical", text: "a,b\n,1\nNA,2\n",
			schema: "a:categorical, b:int", delim: ',', rows: 2,
		},
		{
			name: "times", text: "t\n2024-01-02T03:04:05Z\n2024-01-02 03:04:05.25\n2024-01-03\n",
			schema: "t:time", delim: ',', rows: 3,
			check: func(t *testing.T, f *Frame) {
				c, _ := f.Column("t")
				if got, want := c.Float(1), float64(time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC).Unix())+0.25; got != want {
					t.Errorf("t[1] = %v, want %v", got, want)
				}
			},
		},
		{
			name: "inf and hex stay text", text: "a\ninf\n0x1p3\n",
			schema: "a:categorical", delim: ',', rows: 2,
		},
		{
			name: "header only", text: "a;b\n",
			schema: "a:categorical, b:categorical", delim: ';', rows: 0,
		},
		{
			name: "blank lines skipped", text: "a\n1\n\n2\n",
			schema: "a:int", delim: ',', rows: 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cr, err := NewCSVReader(strings.NewReader(tt.text), tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if got := cr.Delimiter(); got != tt.delim {
				t.Errorf("Delimiter = %q, want %q", got, tt.delim)
			}
			f := MustReadCSV(t, tt.text, tt.opts)
			if got := f.Schema().String(); got != tt.schema {
				t.Errorf("schema = %s, want %s", got, tt.schema)
			}
			if got := f.NumRows(); got != tt.rows {
				t.Errorf("NumRows = %d, want %d", got, tt.rows)
			}
			if tt.check != nil {
				tt.check(t, f)
			}
		})
	}
}

func TestReadCSVErrors(t *testing.T) {
	tests := []struct {
		name string
		text string
		opts CSVOptions
		want string // substring of the error
	}{
		{"empty", "", CSVOptions{}, "empty input"},
		{"too many fields", "a,b\n1,2\n3,4,5\n", CSVOptions{}, "line 3 has 3 fields, want 2"},
		{"too few fields", "a;b;c\n1;2;3\n4;5\n", CSVOptions{}, "line 3 has 2 fields, want 3"},
		{"bare quote", "a,b\n1,x\"y\n", CSVOptions{}, `line 2, column 4: bare " in non-quoted-field`},
		{"unterminated quote", "a,b\n1,\"xy\n2,z\n", CSVOptions{}, `extraneous or missing " in quoted-field`},
		{"duplicate header", "a,a\n1,2\n", CSVOptions{}, `duplicate column name "a"`},
		{"empty header name", "a,\n1,2\n", CSVOptions{}, "column 2 has an empty name"},
		{"unknown override", "a\n1\n", CSVOptions{Kinds: map[string]Kind{"b": Int}}, `unknown column "b"`},
		{"bad override value", "a\nx\n", CSVOptions{Kinds: map[string]Kind{"a": Int}}, `line 2, column "a": "x" is not a valid int`},
		{"late text in int column", "a\n1\n2\nthree\n", CSVOptions{BatchRows: 2}, `line 4, column "a": "three" is not a valid int`},
		{"late text in bool column", "a\ntrue\nfalse\nmaybe\n", CSVOptions{BatchRows: 2}, `line 4, column "a": "maybe" is not a valid bool`},
		{"names count", "a,b\n1,2\n", CSVOptions{Names: []string{"x"}}, "header has 2 fields but 1 names"},
		{"negative batch", "a\n1\n", CSVOptions{BatchRows: -1}, "BatchRows -1 is negative"},
		{"quote delimiter", "a\n1\n", CSVOptions{Delimiter: '"'}, "invalid delimiter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadCSV(strings.NewReader(tt.text), tt.opts)
			if err == nil {
				t.Fatalf("ReadCSV succeeded, want an error containing %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestReadCSVWidensIntToFloat(t *testing.T) {
	text := "a,b\n1,x\n2,y\n2.5,z\n4,w\n"
	cr, err := NewCSVReader(strings.NewReader(text), CSVOptions{BatchRows: 2})
	if err != nil {
		t.Fatal(err)
	}
	var kinds []Kind
	var batches []*Frame
	for {
		b, err := cr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		kinds = append(kinds, b.Schema().Fields[0].Kind)
		batches = append(batches, b)
	}
	if got, want := kinds, []Kind{Int, Float}; len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("batch kinds = %v, want %v", got, want)
	}
	all, err := Concat(batches...)
	if err != nil {
		t.Fatal(err)
	}
	whole := MustReadCSV(t, text, CSVOptions{})
	if got, want := all.Schema().String(), "a:float, b:categorical"; got != want {
		t.Errorf("concat schema = %s, want %s", got, want)
	}
	if Digest(all) != Digest(whole) {
		t.Errorf("digest differs between widened stream and whole read")
	}
	a, _ := all.Column("a")
	if got, want := a.Float(2), 2.5; got != want {
		t.Errorf("a[2] = %v, want %v", got, want)
	}
	if math.IsNaN(a.Float(3)) {
		t.Errorf("a[3] is NaN")
	}
}
