package monitor

import (
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
)

// The plots are SVG written here, so the report needs no script or
// stylesheet from elsewhere. Every piece of text that comes from data goes
// through template.HTMLEscapeString before it enters the markup; numbers are
// formatted by strconv.

const (
	refColour = "#4c78a8"
	curColour = "#f58518"
	badColour = "#d62728"
	okColour  = "#54a24b"
)

func esc(s string) string { return template.HTMLEscapeString(s) }

func f2(x float64) string { return strconv.FormatFloat(x, 'f', 2, 64) }

// overlaySVG draws a distribution as paired bars: reference and current
// share per bin or category.
func overlaySVG(d *Distribution) template.HTML {
	if d == nil || len(d.Reference) == 0 {
		return ""
	}
	const w, h, pad = 360.0, 150.0, 22.0
	n := len(d.Reference)
	top := 0.0
	for i := range n {
		top = max(top, d.Reference[i], d.Current[i])
	}
	if top == 0 {
		top = 1
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="plot" viewBox="0 0 %v %v" width="%v" height="%v" role="img">`, w, h, w, h)
	slot := (w - 2*pad) / float64(n)
	for i := range n {
		x := pad + float64(i)*slot
		label := binLabel(d, i)
		for k, v := range []float64{d.Reference[i], d.Current[i]} {
			bh := v / top * (h - 2*pad)
			colour := refColour
			if k == 1 {
				colour = curColour
			}
			fmt.Fprintf(&b, `<rect x="%s" y="%s" width="%s" height="%s" fill="%s" opacity="0.8"><title>%s: %s %s</title></rect>`,
				f2(x+float64(k)*slot/2), f2(h-pad-bh), f2(max(slot/2-0.5, 0.5)), f2(bh), colour,
				esc(label), []string{"reference", "current"}[k], fmtNum(v))
		}
		if d.Labels != nil && n <= 8 {
			fmt.Fprintf(&b, `<text x="%s" y="%s" font-size="10" text-anchor="middle">%s</text>`, f2(x+slot/2), f2(h-pad+10), esc(shorten(label, 10)))
		}
	}
	if d.Edges != nil {
		fmt.Fprintf(&b, `<text x="%v" y="%v" font-size="10">%s</text>`, pad, h-4, esc(fmtNum(d.Edges[0])))
		fmt.Fprintf(&b, `<text x="%v" y="%v" font-size="10" text-anchor="end">%s</text>`, w-pad, h-4, esc(fmtNum(d.Edges[len(d.Edges)-1])))
	}
	fmt.Fprintf(&b, `<line x1="%v" y1="%v" x2="%v" y2="%v" stroke="#999"/>`, pad, h-pad, w-pad, h-pad)
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

func binLabel(d *Distribution, i int) string {
	if d.Labels != nil {
		return d.Labels[i]
	}
	return "[" + fmtNum(d.Edges[i]) + ", " + fmtNum(d.Edges[i+1]) + ")"
}

func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// strength puts every test on one scale for the drift-score bars: 1 at the
// threshold, more when further into drift. Distances divide by the
// threshold; p-values compare logarithms.
func strength(c ColumnDrift) float64 {
	s := float64(c.Score)
	if c.Skipped != "" || math.IsNaN(s) {
		return 0
	}
	if c.Method.PValue() {
		if s <= 0 {
			return 2
		}
		return math.Log(s) / math.Log(c.Threshold)
	}
	return s / c.Threshold
}

// scoresSVG draws one bar per column, its length the column's strength,
// with the threshold marked; drifted columns in red.
func scoresSVG(cols []ColumnDrift) template.HTML {
	if len(cols) == 0 {
		return ""
	}
	const w, row, left = 560.0, 16.0, 130.0
	h := row*float64(len(cols)) + 20
	scale := (w - left - 60) / 2 // strength 2 fills the width
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="plot" viewBox="0 0 %v %v" width="%v" height="%v" role="img">`, w, h, w, h)
	for i, c := range cols {
		y := float64(i) * row
		s := min(strength(c), 2)
		colour := okColour
		if c.Drifted {
			colour = badColour
		}
		fmt.Fprintf(&b, `<text x="%v" y="%s" font-size="10" text-anchor="end">%s</text>`, left-4, f2(y+11), esc(shorten(c.Column, 20)))
		fmt.Fprintf(&b, `<rect x="%v" y="%s" width="%s" height="%v" fill="%s"><title>%s %s = %s (threshold %s)</title></rect>`,
			left, f2(y+2), f2(s*scale), row-4, colour, esc(c.Column), esc(string(c.Method)),
			fmtNum(float64(c.Score)), fmtNum(c.Threshold))
		fmt.Fprintf(&b, `<text x="%s" y="%s" font-size="10">%s</text>`, f2(left+s*scale+3), f2(y+11), esc(fmtNum(float64(c.Score))))
	}
	fmt.Fprintf(&b, `<line x1="%s" y1="0" x2="%s" y2="%v" stroke="#333" stroke-dasharray="3 2"/>`, f2(left+scale), f2(left+scale), h-18)
	fmt.Fprintf(&b, `<text x="%s" y="%v" font-size="10" text-anchor="middle">threshold</text>`, f2(left+scale), h-6)
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// series is one line of a line chart; NaN values leave gaps.
type series struct {
	name   string
	colour string
	dashed bool
	values []float64
}

// linesSVG draws series over the window index.
func linesSVG(ss []series, labels []string) template.HTML {
	n := 0
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, s := range ss {
		n = max(n, len(s.values))
		for _, v := range s.values {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				lo, hi = min(lo, v), max(hi, v)
			}
		}
	}
	if n == 0 || lo > hi {
		return ""
	}
	if lo == hi {
		lo, hi = lo-0.5, hi+0.5
	}
	const w, h, pad = 560.0, 180.0, 30.0
	x := func(i int) float64 {
		if n == 1 {
			return w / 2
		}
		return pad + float64(i)*(w-2*pad)/float64(n-1)
	}
	y := func(v float64) float64 { return h - pad - (v-lo)/(hi-lo)*(h-2*pad) }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="plot" viewBox="0 0 %v %v" width="%v" height="%v" role="img">`, w, h, w, h)
	fmt.Fprintf(&b, `<text x="2" y="%s" font-size="10">%s</text><text x="2" y="%s" font-size="10">%s</text>`,
		f2(y(hi)+3), esc(fmtNum(hi)), f2(y(lo)+3), esc(fmtNum(lo)))
	for k, s := range ss {
		var path strings.Builder
		pen := "M"
		for i, v := range s.values {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				pen = "M"
				continue
			}
			fmt.Fprintf(&path, "%s%s %s ", pen, f2(x(i)), f2(y(v)))
			pen = "L"
			fmt.Fprintf(&b, `<circle cx="%s" cy="%s" r="2" fill="%s"><title>%s: %s</title></circle>`, f2(x(i)), f2(y(v)), s.colour,
				esc(s.name), fmtNum(v))
		}
		dash := ""
		if s.dashed {
			dash = ` stroke-dasharray="4 3"`
		}
		fmt.Fprintf(&b, `<path d="%s" fill="none" stroke="%s"%s/>`, strings.TrimSpace(path.String()), s.colour, dash)
		fmt.Fprintf(&b, `<text x="%v" y="%v" font-size="10" fill="%s">%s</text>`, pad+float64(k)*140, 12, s.colour, esc(s.name))
	}
	if len(labels) > 0 {
		fmt.Fprintf(&b, `<text x="%s" y="%v" font-size="10">%s</text>`, f2(x(0)), h-6, esc(labels[0]))
		fmt.Fprintf(&b, `<text x="%s" y="%v" font-size="10" text-anchor="end">%s</text>`, f2(x(n-1)), h-6, esc(labels[len(labels)-1]))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
