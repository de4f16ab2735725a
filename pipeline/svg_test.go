package pipeline

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/weir-ml/weir/ml/frame"
)

var (
	svgSize  = regexp.MustCompile(`<svg [^>]*width="(\d+)" height="(\d+)"`)
	svgText  = regexp.MustCompile(`<text x="([-\d.]+)" y="([-\d.]+)" font-size="(\d+)"([^>]*)>([^<]*)</text>`)
	svgTurn  = regexp.MustCompile(`rotate\(-45 `)
	exponent = regexp.MustCompile(`\de[+-]\d`)
)

// textBox estimates where a text element's ink lies: from its anchor, as
// wide as textWidth, turned 45° when rotated.
func textBox(x, y, size float64, attrs, s string) (x0, y0, x1, y1 float64) {
	w := textWidth(s, size)
	switch {
	case svgTurn.MatchString(attrs): // anchored at its end, running up and right
		return x - w*math.Sqrt2/2, y - size, x, y + w*math.Sqrt2/2
	case strings.Contains(attrs, `text-anchor="end"`):
		return x - w, y - size, x, y
	case strings.Contains(attrs, `text-anchor="middle"`) && !strings.Contains(attrs, "rotate(-90"):
		return x - w/2, y - size, x + w/2, y
	case strings.Contains(attrs, "rotate(-90"):
		return x - size, y - w/2, x, y + w/2
	}
	return x, y - size, x + w, y
}

// TestChartsFitTheirText draws the charts the EDA draws for long category
// names, large counts and small rates, and checks that every text lies
// inside its chart, is at least 10 units high and shows no exponent.
func TestChartsFitTheirText(t *testing.T) {
	jobs := []string{"blue-collar", "management", "technician", "admin.", "services", "retired", "self-employed",
		"entrepreneur", "unemployed", "housemaid", "student", "unknown", "a-very-long-category-name-indeed"}
	counts := []float64{9732, 9458, 7597, 5171, 4154, 2264, 1579, 1487, 1303, 1240, 938, 288, 12}
	rates := []float64{0.073, 0.138, 0.11, 0.122, 0.089, 0.228, 0.118, 0.083, 0.155, 0.088, 0.287, 0.118, 0.5}
	edges := make([]float64, 21)
	for i := range edges {
		edges[i] = -8019 + float64(i)*(102127+8019)/20
	}
	for _, tc := range []struct{ name, svg string }{
		{"counts", barChart("job: distribution", "rows", jobs, counts)},
		{"rates", barChart("target rate by job", "target rate", jobs, rates)},
		{"two short labels", barChart("default", "rows", []string{"no", "yes"}, []float64{44396, 815})},
		{"histogram", histogram("balance: distribution", "balance", "rows", edges, append(counts, counts[:7]...), nil)},
		{"line", lineChart("Target rate per 1,000 rows", "row of the file", "target rate", false, series{X: []float64{0, 20000, 45000}, Y: []float64{0.019, 0.2, 0.556}})},
		{"importance", hbarChart("Permutation importance", jobs, rates)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := svgSize.FindStringSubmatch(tc.svg)
			if m == nil {
				t.Fatal("no svg size")
			}
			w, _ := strconv.ParseFloat(m[1], 64)
			h, _ := strconv.ParseFloat(m[2], 64)
			texts := svgText.FindAllStringSubmatch(tc.svg, -1)
			if len(texts) < 3 {
				t.Fatalf("only %d texts", len(texts))
			}
			for _, tx := range texts {
				x, _ := strconv.ParseFloat(tx[1], 64)
				y, _ := strconv.ParseFloat(tx[2], 64)
				size, _ := strconv.ParseFloat(tx[3], 64)
				x0, y0, x1, y1 := textBox(x, y, size, tx[4], tx[5])
				if x0 < 0 || y0 < 0 || x1 > w || y1 > h {
					t.Errorf("text %q lies at (%.0f,%.0f)–(%.0f,%.0f), outside the %.0f×%.0f chart", tx[5], x0, y0, x1, y1, w, h)
				}
				if size < 10 {
					t.Errorf("text %q is %.0f units high, want at least 10", tx[5], size)
				}
				if exponent.MatchString(tx[5]) {
					t.Errorf("text %q is in exponent form", tx[5])
				}
			}
		})
	}
}

func TestTickText(t *testing.T) {
	for _, tc := range []struct {
		v, step float64
		want    string
	}{
		{7810, 2000, "7,810"}, {0, 0.05, "0.00"}, {0.15, 0.05, "0.15"}, {0.2, 0.1, "0.2"}, {45000, 10000, "45,000"},
		{-8019, 20000, "-8,019"}, {1e-17, 0.1, "0.0"}, {2.5, 0.25, "2.50"},
		// A fractional step on large values keeps its decimals: 2,008.5 and
		// 2,009 are two ticks, not "2,009" twice.
		{2008.5, 0.5, "2,008.5"}, {2009, 0.5, "2,009.0"}, {-1234.25, 0.25, "-1,234.25"},
	} {
		if got := tickText(tc.v, tc.step); got != tc.want {
			t.Errorf("tickText(%v, %v) = %q, want %q", tc.v, tc.step, got, tc.want)
		}
	}
}

func TestDateAndYearTicks(t *testing.T) {
	for _, tc := range []struct {
		f    func(v, step float64) string
		v    float64
		want string
	}{
		{dateTick, 1209945600, "2008-05-05"}, {dateTick, 1209945600 + 86399.5, "2008-05-05"},
		{yearTick, 2008, "2008"}, {yearTick, 2008.5, "2008.5"},
	} {
		if got := tc.f(tc.v, 1); got != tc.want {
			t.Errorf("tick of %v = %q, want %q", tc.v, got, tc.want)
		}
	}
}

// TestRateByKeepsTiesTogether: rows of one value make one bar of the
// decile chart, labelled once, and large values and times print without
// exponents.
func TestRateByKeepsTiesTogether(t *testing.T) {
	var campaign []float64
	var y []float64
	for i := range 100 {
		v := 1.0 // half the rows tie at 1, as the bank's campaign does
		if i >= 50 {
			v = float64(i)
		}
		campaign = append(campaign, v)
		y = append(y, float64(i%3/2))
	}
	labels := func(svg string) []string {
		var out []string
		for _, m := range svgText.FindAllStringSubmatch(svg, -1) {
			if strings.HasPrefix(m[5], "≥") {
				out = append(out, m[5])
			}
		}
		return out
	}
	got := labels(rateBy("campaign", &frame.FloatColumn{Values: campaign}, y))
	if want := []string{"≥1", "≥50", "≥60", "≥70", "≥80", "≥90"}; strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("campaign deciles = %s, want %s", strings.Join(got, " "), strings.Join(want, " "))
	}
	big := make([]float64, 100)
	for i := range big {
		big[i] = 1.2e9 + float64(i)*1e7
	}
	for _, l := range labels(rateBy("big", &frame.FloatColumn{Values: big}, y)) {
		if exponent.MatchString(l) {
			t.Errorf("label %q is in exponent form", l)
		}
	}
}
