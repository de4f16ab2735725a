package pipeline

import (
	"fmt"
	"html"
	"math"
	"strconv"
	"strings"
	"time"
)

// Chart sizes, in SVG user units (pixels at 100%): wide enough to read at
// a glance, two to a row on a laptop screen.
const (
	plotW, plotH = 540, 320
	padT, padR   = 30, 16
	fontTick     = 11 // tick labels
	fontAxis     = 12 // axis titles and legends
	fontTitle    = 13
	// charW is the mean advance of a character at size 1, to size the
	// margins that hold text (sans-serif digits and lower case).
	charW = 0.58
)

// series is one line of a line chart.
type series struct {
	Name  string
	X, Y  []float64
	Color string
}

// frame is a chart's plot area in SVG units and the data ranges it maps.
type plotArea struct {
	left, right, top, bottom float64
	xmin, xmax, ymin, ymax   float64
}

func (a plotArea) sx(x float64) float64 {
	return a.left + (x-a.xmin)/(a.xmax-a.xmin)*(a.right-a.left)
}

func (a plotArea) sy(y float64) float64 {
	return a.bottom - (y-a.ymin)/(a.ymax-a.ymin)*(a.bottom-a.top)
}

// textWidth estimates the width of s at a font size.
func textWidth(s string, size float64) float64 {
	return float64(len([]rune(s))) * size * charW
}

// niceTicks returns about n round values covering [lo, hi] (steps of 1, 2
// or 5 times a power of ten) and the step.
func niceTicks(lo, hi float64, n int) ([]float64, float64) {
	if hi <= lo {
		hi = lo + 1
	}
	raw := (hi - lo) / float64(max(n, 1))
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag * 10
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if raw <= m*mag {
			step = m * mag
			break
		}
	}
	var out []float64
	for v := math.Ceil(lo/step-1e-9) * step; v <= hi+step*1e-9; v += step {
		out = append(out, v)
	}
	// A last tick at or above hi, so that the top of the plot is labelled.
	if len(out) == 0 || out[len(out)-1] < hi-step*1e-9 {
		out = append(out, math.Ceil(hi/step-1e-9)*step)
	}
	return out, step
}

// tickText writes a tick value for people: thousands separators from
// 1,000 on, else as many decimals as the step needs; never an exponent.
func tickText(v, step float64) string {
	if math.Abs(v) < step*1e-9 {
		v = 0
	}
	if step >= 1 && (math.Abs(v) >= 1000 || v == math.Trunc(v)) && math.Abs(v) < 1e15 {
		return thousands(int(math.Round(v)))
	}
	dec := 0
	if step < 1 {
		dec = min(6, int(math.Ceil(-math.Log10(step)-1e-9)))
		if step*math.Pow(10, float64(dec)) != math.Trunc(step*math.Pow(10, float64(dec))+1e-9) {
			dec++
		}
	}
	s := strconv.FormatFloat(v, 'f', dec, 64)
	// Separators in the whole part too, so that 2,008.5 reads as the
	// ticks around it do (a fractional step on large values: years).
	if whole, frac, ok := strings.Cut(s, "."); ok && math.Abs(v) >= 1000 && math.Abs(v) < 1e15 {
		w, _ := strconv.Atoi(strings.TrimPrefix(whole, "-"))
		sign := ""
		if strings.HasPrefix(whole, "-") {
			sign = "-"
		}
		return sign + thousands(w) + "." + frac
	}
	return s
}

// dateTick writes a time axis's tick (Unix seconds) as its UTC date.
func dateTick(v, _ float64) string { return dateText(v) }

// dateText writes Unix seconds as a UTC date, 2008-05-05.
func dateText(v float64) string {
	return time.Unix(int64(math.Floor(v)), 0).UTC().Format(time.DateOnly)
}

// yearTick writes a year axis's tick: 2008, not 2,008.
func yearTick(v, _ float64) string { return yearText(v) }

// figureText writes a data value for a tooltip: whole numbers with
// separators, others to four significant digits without an exponent.
func figureText(v float64) string {
	switch {
	case math.IsNaN(v):
		return "–"
	case v == math.Trunc(v) && math.Abs(v) < 1e15:
		return thousands(int(v))
	case math.Abs(v) >= 1000:
		return thousands(int(math.Round(v)))
	}
	return strconv.FormatFloat(v, 'f', max(0, 3-int(math.Floor(math.Log10(math.Abs(v))))), 64)
}

// yAxis returns the y ticks of [lo, hi] and the left margin their labels
// and the axis title need.
func yAxis(lo, hi float64) (ticks []float64, step, left float64) {
	ticks, step = niceTicks(lo, hi, 5)
	w := 0.0
	for _, t := range ticks {
		w = math.Max(w, textWidth(tickText(t, step), fontTick))
	}
	return ticks, step, w + 8 + fontAxis + 10
}

// open starts a chart of the given height.
func open(b *strings.Builder, title string, h float64) {
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%.0f" viewBox="0 0 %d %.0f" font-family="sans-serif" role="img">`, plotW, h, plotW, h)
	fmt.Fprintf(b, `<title>%s</title><text x="8" y="18" font-size="%d" font-weight="bold">%s</text>`, html.EscapeString(title), fontTitle, html.EscapeString(title))
}

// axes draws the frame, the y grid with its labels and the axis titles.
func axes(b *strings.Builder, a plotArea, yticks []float64, ystep float64, xlabel, ylabel string, h float64) {
	for _, t := range yticks {
		y := a.sy(t)
		fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#e4e4e4"/>`, a.left, y, a.right, y)
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" font-size="%d" text-anchor="end" fill="#444">%s</text>`, a.left-5, y+4, fontTick, tickText(t, ystep))
	}
	fmt.Fprintf(b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="none" stroke="#999"/>`, a.left, a.top, a.right-a.left, a.bottom-a.top)
	if xlabel != "" {
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" font-size="%d" text-anchor="middle">%s</text>`, (a.left+a.right)/2, h-6, fontAxis, html.EscapeString(xlabel))
	}
	cy := (a.top + a.bottom) / 2
	fmt.Fprintf(b, `<text x="%d" y="%.1f" font-size="%d" text-anchor="middle" transform="rotate(-90 %d %.1f)">%s</text>`, fontAxis+2, cy, fontAxis, fontAxis+2, cy, html.EscapeString(ylabel))
}

// xTicks draws numeric x ticks under the plot area, written by text
// (tickText, or dateTick / yearTick for a time or year axis); dates are
// wider, so they get fewer ticks.
func xTicks(b *strings.Builder, a plotArea, text func(v, step float64) string) {
	n := 6
	if text == nil {
		text = tickText
	}
	if textWidth(text(a.xmax, 1), fontTick) > 50 {
		n = 4
	}
	ticks, step := niceTicks(a.xmin, a.xmax, n)
	for _, t := range ticks {
		if t > a.xmax+step*1e-9 {
			continue // the axis ends at the data
		}
		x := a.sx(t)
		fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#999"/>`, x, a.bottom, x, a.bottom+4)
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" font-size="%d" text-anchor="middle" fill="#444">%s</text>`, x, a.bottom+16, fontTick, text(t, step))
	}
}

// lineChart draws series on shared axes; x and y ranges cover all points
// (and [0, 1] when unit is set, for rates and probabilities).
func lineChart(title, xlabel, ylabel string, unit bool, ss ...series) string {
	xmin, xmax, ymin, ymax := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, s := range ss {
		for i := range s.X {
			if math.IsNaN(s.X[i]) || math.IsNaN(s.Y[i]) || math.IsInf(s.Y[i], 0) || math.IsInf(s.X[i], 0) {
				continue
			}
			xmin, xmax = math.Min(xmin, s.X[i]), math.Max(xmax, s.X[i])
			ymin, ymax = math.Min(ymin, s.Y[i]), math.Max(ymax, s.Y[i])
		}
	}
	if math.IsInf(xmin, 0) {
		return "<p>(no data)</p>"
	}
	if unit {
		xmin, xmax, ymin, ymax = math.Min(xmin, 0), math.Max(xmax, 1), math.Min(ymin, 0), math.Max(ymax, 1)
	}
	if xmax == xmin {
		xmax = xmin + 1
	}
	if ymax == ymin {
		ymax = ymin + 1
	}
	yticks, ystep, left := yAxis(ymin, ymax)
	ymin, ymax = math.Min(ymin, yticks[0]), math.Max(ymax, yticks[len(yticks)-1])
	h := float64(plotH)
	a := plotArea{left: left, right: plotW - padR, top: padT, bottom: h - 44, xmin: xmin, xmax: xmax, ymin: ymin, ymax: ymax}
	var b strings.Builder
	open(&b, title, h)
	axes(&b, a, yticks, ystep, xlabel, ylabel, h)
	xTicks(&b, a, nil)
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
			if math.IsNaN(s.X[i]) || math.IsNaN(s.Y[i]) || math.IsInf(s.Y[i], 0) || math.IsInf(s.X[i], 0) {
				continue
			}
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", a.sx(s.X[i]), a.sy(s.Y[i])))
		}
		fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>`, color, strings.Join(pts, " "))
		if len(ss) > 1 {
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" fill="%s" font-size="%d">%s</text>`, a.left+8, a.top+16+15*float64(k), color, fontAxis, html.EscapeString(s.Name))
		}
	}
	b.WriteString("</svg>")
	return b.String()
}

// barChart draws one vertical bar per label; labels that do not fit
// across are rotated, and the bottom margin grows to hold them.
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
	yticks, ystep, left := yAxis(0, ymax)
	ymax = math.Max(ymax, yticks[len(yticks)-1])
	n := len(values)
	slot := (plotW - padR - left) / float64(max(n, 1))
	widest := 0.0
	short := make([]string, n)
	for i := range short {
		short[i] = trim(labels[i], 18)
		widest = math.Max(widest, textWidth(short[i], fontTick))
	}
	// Labels wider than their slot are turned 45°: they then need
	// widest·sin 45° below the axis, and the first one reaches left by as
	// much from its slot's middle.
	rotate := widest > slot-4
	below := 22.0
	if rotate {
		below = widest*math.Sqrt2/2 + 16
		left = math.Max(left, widest*math.Sqrt2/2-slot/2+6)
		slot = (plotW - padR - left) / float64(max(n, 1))
	}
	h := padT + 220 + below + 20
	a := plotArea{left: left, right: plotW - padR, top: padT, bottom: padT + 220, ymin: 0, ymax: ymax}
	var b strings.Builder
	open(&b, title, h)
	axes(&b, a, yticks, ystep, "", ylabel, h)
	for i, v := range values {
		x := a.left + float64(i)*slot
		if !math.IsNaN(v) {
			y := a.sy(v)
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s: %s</title></rect>`,
				x+1, y, math.Max(slot-2, 1), a.bottom-y, palette[0], html.EscapeString(labels[i]), figureText(v))
		}
		cx, ty := x+slot/2, a.bottom+14
		if rotate {
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="%d" text-anchor="end" transform="rotate(-45 %.1f %.1f)">%s</text>`,
				cx+4, ty-4, fontTick, cx+4, ty-4, html.EscapeString(short[i]))
		} else {
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="%d" text-anchor="middle">%s</text>`, cx, ty, fontTick, html.EscapeString(short[i]))
		}
	}
	b.WriteString("</svg>")
	return b.String()
}

// histogram draws counts of equal-width bins between edges[0] and
// edges[len(edges)-1] on a numeric x-axis whose ticks xtext writes (nil:
// tickText).
func histogram(title, xlabel, ylabel string, edges, counts []float64, xtext func(v, step float64) string) string {
	ymax := 0.0
	for _, v := range counts {
		ymax = math.Max(ymax, v)
	}
	if ymax == 0 {
		ymax = 1
	}
	yticks, ystep, left := yAxis(0, ymax)
	ymax = math.Max(ymax, yticks[len(yticks)-1])
	lo, hi := edges[0], edges[len(edges)-1]
	if hi == lo {
		hi = lo + 1
	}
	h := float64(plotH)
	a := plotArea{left: left, right: plotW - padR, top: padT, bottom: h - 44, xmin: lo, xmax: hi, ymin: 0, ymax: ymax}
	var b strings.Builder
	open(&b, title, h)
	axes(&b, a, yticks, ystep, xlabel, ylabel, h)
	xTicks(&b, a, xtext)
	edgeText := figureText
	if xtext != nil {
		edgeText = func(v float64) string { return xtext(v, 0) }
	}
	for i, c := range counts {
		x0, x1 := a.sx(edges[i]), a.sx(math.Min(edges[i+1], hi))
		y := a.sy(c)
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s to %s: %s</title></rect>`,
			x0+0.5, y, math.Max(x1-x0-1, 1), a.bottom-y, palette[0], edgeText(edges[i]), edgeText(edges[i+1]), figureText(c))
	}
	b.WriteString("</svg>")
	return b.String()
}

// hbarChart draws one horizontal bar per label, largest first as given,
// with the value at the end of each bar; negative values draw left of 0.
func hbarChart(title string, labels []string, values []float64) string {
	lo, hi := 0.0, 0.0
	widest := 0.0
	for i, v := range values {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
		widest = math.Max(widest, textWidth(trim(labels[i], 24), fontTick))
	}
	if hi == lo {
		hi = lo + 1
	}
	const row = 20.0
	h := padT + row*float64(len(values)) + 34
	a := plotArea{left: widest + 14, right: plotW - padR - 50, top: padT, bottom: h - 34, xmin: lo, xmax: hi, ymin: 0, ymax: 1}
	var b strings.Builder
	open(&b, title, h)
	zero := a.sx(0)
	for i, v := range values {
		y := a.top + row*float64(i)
		x0, x1 := math.Min(zero, a.sx(v)), math.Max(zero, a.sx(v))
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="%d" text-anchor="end">%s</text>`, a.left-6, y+row/2+4, fontTick, html.EscapeString(trim(labels[i], 24)))
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s: %s</title></rect>`,
			x0, y+3, math.Max(x1-x0, 0.5), row-6, palette[0], html.EscapeString(labels[i]), figureText(v))
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="%d" fill="#444">%s</text>`, x1+4, y+row/2+4, fontTick, strconv.FormatFloat(v, 'f', 4, 64))
	}
	fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#999"/>`, zero, a.top, zero, a.bottom)
	xTicks(&b, a, nil)
	b.WriteString("</svg>")
	return b.String()
}

// maxPoints bounds the points drawn per line.
const maxPoints = 400

var palette = []string{"#3366aa", "#cc5533", "#339955", "#8855aa", "#aa8833"}

func trim(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// page wraps sections into a self-contained HTML document.
func page(title string, body string) string {
	return `<!doctype html><html><head><meta charset="utf-8"><title>` + html.EscapeString(title) + `</title><style>
body{font-family:sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;font-size:13px;margin:0.5em 0}td,th{border:1px solid #ccc;padding:3px 6px;text-align:right}
th{background:#f0f0f0}td:first-child{text-align:left}.warn{background:#fff3cd;border:1px solid #e0c060;padding:8px;margin:8px 0}
td.diag{font-weight:bold}
.grid{display:flex;flex-wrap:wrap;gap:16px}.grid svg{border:1px solid #eee;border-radius:4px;background:#fff}
</style></head><body><h1>` + html.EscapeString(title) + `</h1>` + body + `</body></html>`
}
