package monitor

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"testing"
)

// TestLinesFitTheirText draws the performance chart of many long-named
// windows and checks that every text lies inside it, by an estimate of its
// width, and that no value is written with an exponent.
func TestLinesFitTheirText(t *testing.T) {
	var labels []string
	var auc, rate []float64
	for i := range 9 {
		labels = append(labels, fmt.Sprintf("rows %s–%s (2009 and 2010)", Thousands(i*2000+1), Thousands((i+1)*2000)))
		auc, rate = append(auc, 0.5+0.02*float64(i)), append(rate, 0.05*float64(i))
	}
	svg := string(linesSVG([]series{{name: "realised ROC AUC", colour: refColour, values: auc}, {name: "estimated ROC AUC", colour: refColour, dashed: true, values: auc},
		{name: "mean score", colour: curColour, values: rate}, {name: "positive rate", colour: badColour, values: rate}}, labels))
	m := regexp.MustCompile(`viewBox="0 0 ([\d.]+) ([\d.]+)"`).FindStringSubmatch(svg)
	if m == nil {
		t.Fatal("no viewBox")
	}
	w, _ := strconv.ParseFloat(m[1], 64)
	h, _ := strconv.ParseFloat(m[2], 64)
	texts := regexp.MustCompile(`<text x="([\d.-]+)" y="([\d.-]+)" font-size="(\d+)"([^>]*)>([^<]*)</text>`).FindAllStringSubmatch(svg, -1)
	if len(texts) < len(labels)+4 {
		t.Fatalf("%d texts, want every window named and a legend", len(texts))
	}
	for _, tx := range texts {
		x, _ := strconv.ParseFloat(tx[1], 64)
		y, _ := strconv.ParseFloat(tx[2], 64)
		size, _ := strconv.ParseFloat(tx[3], 64)
		tw := float64(len([]rune(tx[5]))) * size * 0.58
		x0, x1, y1 := x, x+tw, y
		if regexp.MustCompile(`rotate\(-35`).MatchString(tx[4]) {
			x0, x1, y1 = x-tw*math.Cos(35*math.Pi/180), x, y+tw*math.Sin(35*math.Pi/180)
		} else if regexp.MustCompile(`text-anchor="end"`).MatchString(tx[4]) {
			x0, x1 = x-tw, x
		}
		if x0 < 0 || x1 > w || y1 > h {
			t.Errorf("text %q spans x %.0f–%.0f to y %.0f, outside the %.0f×%.0f chart", tx[5], x0, x1, y1, w, h)
		}
		if regexp.MustCompile(`\de[+-]\d`).MatchString(tx[5]) {
			t.Errorf("text %q is in exponent form", tx[5])
		}
	}
}
