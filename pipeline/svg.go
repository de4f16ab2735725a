package pipeline

import (
	"fmt"
	"html"
	"math"
	"strings"
)

// Plot sizes, in SVG user units.
const (
	plotW, plotH     = 420, 240
	padL, padB, padT = 48, 36, 22
	padR             = 12
)

// series is one line of a line chart.
type series struct {
	Name  string
	X, Y  []float64
	Color string
}

// lineChart draws series on shared axes; x and y ranges cover all points
// (and [0, 1] when unit is set, for rates and probabilities).
func lineChart(title, xlabel, ylabel string, unit bool, ss ...series) string {
	xmin, xmax, ymin, ymax := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, s := range ss {
		for i := range s.X {
			if math.IsNaN(s.X[i]) || math.IsNaN(s.Y[i]) || math.IsInf(s.Y[i], 0) {
				continue
			}
			xmin, xmax = math.Min(xmin, s.X[i]), math.Max(xmax, s.X[i])
			ymin, ymax = math.Min(ymin, s.Y[i]), math.Max(ymax, s.Y[i])
		}
	}
	if unit {
		xmin, xmax, ymin, ymax = math.Min(xmin, 0), math.Max(xmax, 1), math.Min(ymin, 0), math.Max(ymax, 1)
	}
	if math.IsInf(xmin, 0) {
		return "<p>(no data)</p>"
	}
	if xmax == xmin {
		xmax = xmin + 1
	}
	if ymax == ymin {
		ymax = ymin + 1
	}
	sx := func(x float64) float64 { return padL + (x-xmin)/(xmax-xmin)*(plotW-padL-padR) }
	sy := func(y float64) float64 { return plotH - padB - (y-ymin)/(ymax-ymin)*(plotH-padB-padT) }
	var b strings.Builder
	open(&b, title)
	axes(&b, xlabel, ylabel, xmin, xmax, ymin, ymax)
	for k, s := range ss {
		color := s.Color
		if color == "" {
			color = palette[k%len(palette)]
		}
		var pts []string
		// A few hundred points draw any curve at this size; a ROC curve of
		// the whole holdout would make the page megabytes.
		stride := max(1, len(s.X)/maxPoints)
		for i := range s.X {
			if i%stride != 0 && i != len(s.X)-1 {
				continue
			}
			if math.IsNaN(s.X[i]) || math.IsNaN(s.Y[i]) || math.IsInf(s.Y[i], 0) {
				continue
			}
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", sx(s.X[i]), sy(s.Y[i])))
		}
		fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="1.6" points="%s"/>`, color, strings.Join(pts, " "))
		fmt.Fprintf(&b, `<text x="%d" y="%d" fill="%s" font-size="10">%s</text>`, padL+8, padT+12+12*k, color, html.EscapeString(s.Name))
	}
	b.WriteString("</svg>")
	return b.String()
}

// barChart draws one bar per label.
func barChart(title, ylabel string, labels []string, values []float64) string {
	ymax := 0.0
	for _, v := range values {
		if !math.IsNaN(v) {
			ymax = math.Max(ymax, v)
		}
	}
	if ymax == 0 {
		ymax = 1
	}
	var b strings.Builder
	open(&b, title)
	axes(&b, "", ylabel, 0, 0, 0, ymax)
	n := len(values)
	if n == 0 {
		b.WriteString("</svg>")
		return b.String()
	}
	w := float64(plotW-padL-padR) / float64(n)
	for i, v := range values {
		if math.IsNaN(v) {
			continue
		}
		h := v / ymax * (plotH - padB - padT)
		x := padL + float64(i)*w
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s: %.4g</title></rect>`,
			x+1, plotH-padB-h, math.Max(w-2, 1), h, palette[0], html.EscapeString(labels[i]), v)
		if n <= 16 {
			fmt.Fprintf(&b, `<text x="%.1f" y="%d" font-size="8" text-anchor="end" transform="rotate(-40 %.1f %d)">%s</text>`,
				x+w/2, plotH-padB+10, x+w/2, plotH-padB+10, html.EscapeString(trim(labels[i], 14)))
		}
	}
	b.WriteString("</svg>")
	return b.String()
}

// maxPoints bounds the points drawn per line.
const maxPoints = 400

var palette = []string{"#3366aa", "#cc5533", "#339955", "#8855aa", "#aa8833"}

func open(b *strings.Builder, title string) {
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif">`, plotW, plotH, plotW, plotH)
	fmt.Fprintf(b, `<text x="%d" y="14" font-size="12" font-weight="bold">%s</text>`, padL, html.EscapeString(title))
}

// axes draws the frame and the y range (and the x range when it is set).
func axes(b *strings.Builder, xlabel, ylabel string, xmin, xmax, ymin, ymax float64) {
	fmt.Fprintf(b, `<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#999"/>`, padL, padT, plotW-padL-padR, plotH-padB-padT)
	fmt.Fprintf(b, `<text x="%d" y="%d" font-size="9" text-anchor="end">%.3g</text>`, padL-3, plotH-padB, ymin)
	fmt.Fprintf(b, `<text x="%d" y="%d" font-size="9" text-anchor="end">%.3g</text>`, padL-3, padT+8, ymax)
	if xmax > xmin {
		fmt.Fprintf(b, `<text x="%d" y="%d" font-size="9">%.3g</text>`, padL, plotH-padB+12, xmin)
		fmt.Fprintf(b, `<text x="%d" y="%d" font-size="9" text-anchor="end">%.3g</text>`, plotW-padR, plotH-padB+12, xmax)
	}
	fmt.Fprintf(b, `<text x="%d" y="%d" font-size="10" text-anchor="middle">%s</text>`, (plotW+padL)/2, plotH-4, html.EscapeString(xlabel))
	fmt.Fprintf(b, `<text x="12" y="%d" font-size="10" text-anchor="middle" transform="rotate(-90 12 %d)">%s</text>`, plotH/2, plotH/2, html.EscapeString(ylabel))
}

func trim(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// page wraps sections into a self-contained HTML document.
func page(title string, body string) string {
	return `<!doctype html><html><head><meta charset="utf-8"><title>` + html.EscapeString(title) + `</title><style>
body{font-family:sans-serif;max-width:1200px;margin:2em auto;color:#222}
table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px 6px;text-align:right}
th{background:#f0f0f0}td:first-child{text-align:left}.warn{background:#fff3cd;border:1px solid #e0c060;padding:8px;margin:8px 0}
.grid{display:flex;flex-wrap:wrap;gap:10px}
</style></head><body><h1>` + html.EscapeString(title) + `</h1>` + body + `</body></html>`
}
