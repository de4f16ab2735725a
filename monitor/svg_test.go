package monitor

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestChartsFitTheirText draws the performance chart of many long-named
// windows and of a few, and a distribution of twelve job names, and checks
// that every text lies inside its chart, by an estimate of its width, and
// that no value is written with an exponent.
func TestChartsFitTheirText(t *testing.T) {
	windows := func(n int, periods string) ([]string, []series) {
		var labels []string
		var auc, rate []float64
		for i := range n {
			labels = append(labels, fmt.Sprintf("rows %s–%s (%s)", Thousands(i*2000+1), Thousands((i+1)*2000), periods))
			auc, rate = append(auc, 0.5+0.02*float64(i)), append(rate, 0.05*float64(i))
		}
		return labels, []series{{name: "realised ROC AUC", colour: refColour, values: auc}, {name: "estimated ROC AUC", colour: refColour, dashed: true, values: auc},
			{name: "mean score", colour: curColour, values: rate}, {name: "positive rate", colour: badColour, values: rate}}
	}
	many, manySeries := windows(9, "2009 and 2010")
	few, fewSeries := windows(5, "2010") // centred names: the last one once ran off the right edge
	jobs := []string{"student", "blue-collar", "unemployed", "management", "unknown", "technician", "housemaid",
		"admin.", "entrepreneur", "self-employed", "services", "retired"}
	shares := make([]float64, len(jobs))
	for i := range shares {
		shares[i] = 0.05 + 0.01*float64(i)
	}
	for _, tc := range []struct {
		name, svg string
		min       int
	}{
		{"many windows", string(linesSVG(manySeries, many)), len(many) + 4},
		{"few windows", string(linesSVG(fewSeries, few)), len(few) + 4},
		{"twelve categories", string(overlaySVG(&Distribution{Labels: jobs, Reference: shares, Current: shares})), len(jobs)},
	} {
		t.Run(tc.name, func(t *testing.T) { textsInside(t, tc.svg, tc.min) })
	}
}

// textsInside checks that svg holds at least min texts, each inside the
// viewBox by an estimate of its width (turned ones too), none in exponent
// form, and that no two texts on one line overlap.
func textsInside(t *testing.T, svg string, min int) {
	t.Helper()
	m := regexp.MustCompile(`viewBox="0 0 ([\d.]+) ([\d.]+)"`).FindStringSubmatch(svg)
	if m == nil {
		t.Fatal("no viewBox")
	}
	w, _ := strconv.ParseFloat(m[1], 64)
	h, _ := strconv.ParseFloat(m[2], 64)
	texts := regexp.MustCompile(`<text x="([\d.-]+)" y="([\d.-]+)" font-size="(\d+)"([^>]*)>([^<]*)</text>`).FindAllStringSubmatch(svg, -1)
	if len(texts) < min {
		t.Fatalf("%d texts, want at least %d", len(texts), min)
	}
	turn := regexp.MustCompile(`rotate\(-(\d+)`)
	type span struct{ x0, x1, y float64 }
	var flat []span
	for _, tx := range texts {
		x, _ := strconv.ParseFloat(tx[1], 64)
		y, _ := strconv.ParseFloat(tx[2], 64)
		size, _ := strconv.ParseFloat(tx[3], 64)
		tw := float64(len([]rune(tx[5]))) * size * 0.58
		x0, x1, y1 := x, x+tw, y
		switch a := turn.FindStringSubmatch(tx[4]); {
		case a != nil:
			deg, _ := strconv.ParseFloat(a[1], 64)
			x0, x1, y1 = x-tw*math.Cos(deg*math.Pi/180), x, y+tw*math.Sin(deg*math.Pi/180)
		case regexp.MustCompile(`text-anchor="end"`).MatchString(tx[4]):
			x0, x1 = x-tw, x
		case regexp.MustCompile(`text-anchor="middle"`).MatchString(tx[4]):
			x0, x1 = x-tw/2, x+tw/2
		}
		if a := turn.FindStringSubmatch(tx[4]); a == nil {
			for _, o := range flat {
				if o.y == y && x0 < o.x1 && o.x0 < x1 {
					t.Errorf("text %q overlaps another on its line", tx[5])
				}
			}
			flat = append(flat, span{x0, x1, y})
		}
		if x0 < 0 || x1 > w || y1 > h {
			t.Errorf("text %q spans x %.0f–%.0f to y %.0f, outside the %.0f×%.0f chart", tx[5], x0, x1, y1, w, h)
		}
		if regexp.MustCompile(`\de[+-]\d`).MatchString(tx[5]) {
			t.Errorf("text %q is in exponent form", tx[5])
		}
	}
}

// TestOverlayWritesYearsPlain: a year column's range reads 2008 to 2010,
// not 2,008 to 2,010; other numbers keep their separators.
func TestOverlayWritesYearsPlain(t *testing.T) {
	for _, tc := range []struct {
		edges []float64
		want  []string
	}{
		{[]float64{2008, 2009, 2010}, []string{">2008<", ">2010<"}},
		{[]float64{-298, 40000, 83157}, []string{">-298<", ">83,157<"}},
	} {
		svg := string(overlaySVG(&Distribution{Edges: tc.edges, Reference: []float64{0.5, 0.5}, Current: []float64{0.4, 0.6}}))
		for _, w := range tc.want {
			if !strings.Contains(svg, w) {
				t.Errorf("edges from %g to %g: the chart does not write %s", tc.edges[0], tc.edges[len(tc.edges)-1], w)
			}
		}
	}
}
