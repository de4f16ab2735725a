package monitor

import (
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestWindowLabels checks that every kind of window is named for people and
// numbers its rows, and that rows without times leave no zero time behind.
func TestWindowLabels(t *testing.T) {
	day := func(s string) time.Time {
		tm, err := time.Parse(time.DateOnly, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	timed := []Prediction{{Time: day("2009-01-05"), Score: 0.5}, {Time: day("2009-02-05"), Score: 0.5}, {Time: day("2009-05-05"), Score: 0.5}}
	untimed := make([]Prediction, 2500)
	for i := range untimed {
		untimed[i] = Prediction{Row: i, Score: 0.5}
	}
	afternoon := []Prediction{{Time: day("2009-01-05").Add(15*time.Hour + 4*time.Minute), Score: 0.5}}
	for _, tc := range []struct {
		name  string
		preds []Prediction
		opts  WindowOptions
		want  []string
		rows  [][2]int
	}{
		{"rows", untimed, WindowOptions{Size: 1000}, []string{"rows 1–1,000", "rows 1,001–2,000", "rows 2,001–2,500"}, [][2]int{{1, 1000}, {1001, 2000}, {2001, 2500}}},
		{"quarters", timed, WindowOptions{Months: 3}, []string{"2009 Q1", "2009 Q2"}, [][2]int{{1, 2}, {3, 3}}},
		{"months", timed, WindowOptions{Months: 1}, []string{"Jan 2009", "Feb 2009", "May 2009"}, [][2]int{{1, 1}, {2, 2}, {3, 3}}},
		{"years", timed, WindowOptions{Months: 12}, []string{"2009"}, [][2]int{{1, 3}}},
		{"half years", timed, WindowOptions{Months: 6}, []string{"Jan 2009 – Jun 2009"}, [][2]int{{1, 3}}},
		{"days", timed[:1], WindowOptions{Period: 24 * time.Hour}, []string{"2009-01-05"}, [][2]int{{1, 1}}},
		{"weeks", timed[:1], WindowOptions{Period: 7 * 24 * time.Hour}, []string{"2009-01-05 – 2009-01-11"}, [][2]int{{1, 1}}},
		{"hours", afternoon, WindowOptions{Period: time.Minute}, []string{"2009-01-05 15:04 UTC"}, [][2]int{{1, 1}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ws, err := Windows(tc.preds, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			var rows [][2]int
			for _, w := range ws {
				got, rows = append(got, w.Label), append(rows, [2]int{w.FirstRow, w.LastRow})
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("labels %q, want %q", got, tc.want)
			}
			if !slices.Equal(rows, tc.rows) {
				t.Errorf("rows %v, want %v", rows, tc.rows)
			}
		})
	}
	ws, err := Windows(untimed, WindowOptions{Size: 1000})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(ws[0])
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "0001-01-01") || strings.Contains(string(b), `"start"`) {
		t.Errorf("a window of rows without times wrote a time: %s", b)
	}
}

func TestThousands(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want string
	}{{0, "0"}, {999, "999"}, {1000, "1,000"}, {-1234567, "-1,234,567"}, {27729, "27,729"}} {
		if got := Thousands(tc.n); got != tc.want {
			t.Errorf("Thousands(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}

func TestFmtNum(t *testing.T) {
	for _, tc := range []struct {
		v    any
		want string
	}{
		{Number(0.5), "0.5"}, {0.123456, "0.1235"}, {7810.0, "7,810"}, {98420.4, "98,420"}, {-8019.0, "-8,019"},
		{0.00001234, "0.00001234"}, {1e-300, "< 0.000001"}, {0.0, "0"}, {27729, "27,729"}, {Number(math.NaN()), "–"},
	} {
		if got := fmtNum(tc.v); got != tc.want {
			t.Errorf("fmtNum(%v) = %q, want %q", tc.v, got, tc.want)
		}
	}
}
