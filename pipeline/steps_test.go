package pipeline

import (
	"archive/zip"
	"bytes"
	"context"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/weir-ml/weir/ml/frame"
)

func TestValidate(t *testing.T) {
	f, err := frame.ReadCSV(strings.NewReader("age,job\n30,admin\n-4,chef\n,admin\n200,pilot\n"), frame.CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	lo, hi := 17.0, 100.0
	tests := []struct {
		name string
		rule ColumnRule
		want string // "" means valid
	}{
		{"min", ColumnRule{Name: "age", Min: &lo}, `column age: rule "min: 17" fails on 1 rows, e.g. row 2 = "-4"`},
		{"max", ColumnRule{Name: "age", Max: &hi}, `rule "max: 100" fails on 1 rows, e.g. row 4 = "200"`},
		{"required", ColumnRule{Name: "age", Required: true}, `column age: rule "required" fails on 1 rows, e.g. row 3 = ""`},
		{"values", ColumnRule{Name: "job", Values: []string{"admin", "chef"}}, `column job: rule "values: [admin, chef]" fails on 1 rows, e.g. row 4 = "pilot"`},
		{"kind", ColumnRule{Name: "job", Kind: "int"}, `column job: rule "kind: int" fails: the column is categorical`},
		{"missing column", ColumnRule{Name: "salary"}, `column salary: rule "exists" fails`},
		{"valid", ColumnRule{Name: "job", Kind: "categorical", Required: true}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Validate(f, []ColumnRule{tt.rule})
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Validate = %v, want nil", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("Validate = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestProfitCurve(t *testing.T) {
	y := []float64{1, 0, 1, 0, 0}
	score := []float64{0.9, 0.8, 0.8, 0.3, 0.1}
	got := ProfitCurve(y, score, 1, 10)
	// Nobody; the top client; the tied pair together; then one more each.
	want := []ProfitPoint{
		{Threshold: math.Inf(1), Contacted: 0, Conversions: 0, Profit: 0},
		{Threshold: 0.8, Contacted: 1, Conversions: 1, Profit: 9},
		{Threshold: 0.3, Contacted: 3, Conversions: 2, Profit: 17},
		{Threshold: 0.1, Contacted: 4, Conversions: 2, Profit: 16},
		{Threshold: math.Inf(-1), Contacted: 5, Conversions: 2, Profit: 15},
	}
	if len(got) != len(want) {
		t.Fatalf("ProfitCurve = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("point %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestDeriveYears(t *testing.T) {
	f, err := frame.ReadCSV(strings.NewReader("month\nmay\nmay\njun\ndec\njan\nmar\nfeb\n"), frame.CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := deriveYears(f, "month", 2008)
	if err != nil {
		t.Fatal(err)
	}
	want := []int64{2008, 2008, 2008, 2008, 2009, 2009, 2010}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("years = %v, want %v", got, want)
		}
	}
	bad, _ := frame.ReadCSV(strings.NewReader("month\nmay\nsmarch\n"), frame.CSVOptions{})
	if _, err := deriveYears(bad, "month", 2008); err == nil || !strings.Contains(err.Error(), `row 2: month "smarch"`) {
		t.Errorf("deriveYears(bad) error = %v", err)
	}
}

const tinyCSV = "age,y\n30,no\n40,yes\n"

func zipOf(t *testing.T, files map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, b := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(b)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestFetch(t *testing.T) {
	inner := zipOf(t, map[string][]byte{"bank-full.csv": []byte(strings.ReplaceAll(tinyCSV, ",", ";")), "bank.csv": []byte("x\n")})
	outer := zipOf(t, map[string][]byte{"bank-additional.zip": zipOf(t, map[string][]byte{"other.csv": []byte("x\n")}), "bank.zip": inner})
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		switch r.URL.Path {
		case "/plain.csv":
			w.Write([]byte(tinyCSV))
		case "/bank.zip":
			w.Write(outer)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	ctx := context.Background()
	sum := sha256Hex([]byte(tinyCSV))

	t.Run("plain, verified and cached", func(t *testing.T) {
		dir := t.TempDir()
		d := DataSpec{URL: srv.URL + "/plain.csv", SHA256: sum}
		p, err := Fetch(ctx, d, dir, srv.Client())
		if err != nil {
			t.Fatal(err)
		}
		before := hits.Load()
		if p2, err := Fetch(ctx, d, dir, srv.Client()); err != nil || p2 != p {
			t.Fatalf("second Fetch = %q, %v", p2, err)
		}
		if got := hits.Load() - before; got != 0 {
			t.Errorf("second Fetch downloaded %d times, want 0 (cached)", got)
		}
		// A damaged cache is fetched again.
		os.WriteFile(p, []byte("garbage"), 0o644)
		if _, err := Fetch(ctx, d, dir, srv.Client()); err != nil {
			t.Fatal(err)
		}
		if b, _ := os.ReadFile(p); string(b) != tinyCSV {
			t.Errorf("damaged cache not replaced: %q", b)
		}
	})
	t.Run("checksum mismatch", func(t *testing.T) {
		d := DataSpec{URL: srv.URL + "/plain.csv", SHA256: strings.Repeat("0", 64)}
		_, err := Fetch(ctx, d, t.TempDir(), srv.Client())
		if err == nil || !strings.Contains(err.Error(), "refusing a changed or corrupt download") {
			t.Errorf("Fetch error = %v", err)
		}
	})
	t.Run("nested zip", func(t *testing.T) {
		p, err := Fetch(ctx, DataSpec{URL: srv.URL + "/bank.zip", Member: "bank-full.csv"}, t.TempDir(), srv.Client())
		if err != nil {
			t.Fatal(err)
		}
		f, err := frame.ReadCSVFile(p, frame.CSVOptions{})
		if err != nil {
			t.Fatal(err)
		}
		plain, _ := frame.ReadCSV(strings.NewReader(tinyCSV), frame.CSVOptions{})
		if got, want := frame.Digest(f), frame.Digest(plain); got != want {
			t.Errorf("digest of the semicolon form = %s, want the comma form's %s", got, want)
		}
	})
	t.Run("zip without member", func(t *testing.T) {
		_, err := Fetch(ctx, DataSpec{URL: srv.URL + "/bank.zip", Member: "nope.csv"}, t.TempDir(), srv.Client())
		if err == nil || !strings.Contains(err.Error(), "no nope.csv") {
			t.Errorf("Fetch error = %v", err)
		}
	})
	t.Run("not found", func(t *testing.T) {
		_, err := Fetch(ctx, DataSpec{URL: srv.URL + "/missing"}, t.TempDir(), srv.Client())
		if err == nil || !strings.Contains(err.Error(), "404") {
			t.Errorf("Fetch error = %v", err)
		}
	})
	t.Run("local path", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "x.csv")
		os.WriteFile(p, []byte(tinyCSV), 0o644)
		if got, err := Fetch(ctx, DataSpec{Path: p}, "", nil); err != nil || got != p {
			t.Errorf("Fetch(path) = %q, %v", got, err)
		}
	})
}
