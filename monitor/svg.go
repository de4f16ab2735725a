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
	const w, pad, font = 360.0, 24.0, 10.0
	n := len(d.Reference)
	top := 0.0
	for i := range n {
		top = max(top, d.Reference[i], d.Current[i])
	}
	if top == 0 {
		top = 1
	}
	// Category names sit under their bars; names wider than their slot are
	// turned 45° (up to 14 characters), with room below and on the left.
	h, left, slot := 170.0, pad, (w-2*pad)/float64(n)
	named := d.Labels != nil && n <= 12
	turn, below := false, 0.0
	if named {
		widest := 0.0
		for _, l := range d.Labels[:n] {
			widest = max(widest, float64(len([]rune(shorten(l, 14))))*font*0.6)
		}
		if widest > slot-4 {
			turn = true
			reach := widest * math.Sqrt2 / 2
			below = reach
			left = max(pad, reach-slot/2+6)
			slot = (w - left - pad) / float64(n)
			h += below
		}
	}
	base := h - pad - below // the bars' baseline
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="plot" viewBox="0 0 %v %v" width="%v" height="%v" role="img">`, w, h, w, h)
	for i := range n {
		x := left + float64(i)*slot
		label := binLabel(d, i)
		for k, v := range []float64{d.Reference[i], d.Current[i]} {
			bh := v / top * (base - pad)
			colour := refColour
			if k == 1 {
				colour = curColour
			}
			fmt.Fprintf(&b, `<rect x="%s" y="%s" width="%s" height="%s" fill="%s" opacity="0.8"><title>%s: %s %s</title></rect>`,
				f2(x+float64(k)*slot/2), f2(base-bh), f2(max(slot/2-0.5, 0.5)), f2(bh), colour,
				esc(label), []string{"reference", "current"}[k], fmtNum(v))
		}
		switch {
		case named && turn:
			cx, cy := x+slot/2+3, base+10
			fmt.Fprintf(&b, `<text x="%s" y="%s" font-size="%v" text-anchor="end" transform="rotate(-45 %s %s)">%s</text>`,
				f2(cx), f2(cy), font, f2(cx), f2(cy), esc(shorten(label, 14)))
		case named:
			fmt.Fprintf(&b, `<text x="%s" y="%s" font-size="%v" text-anchor="middle">%s</text>`, f2(x+slot/2), f2(base+12), font, esc(label))
		}
	}
	if d.Edges != nil {
		lo, hi := d.Edges[0], d.Edges[len(d.Edges)-1]
		text := fmtNum
		if lo >= 1000 && hi < 3000 && lo == math.Trunc(lo) && hi == math.Trunc(hi) {
			text = func(v any) string { return strconv.Itoa(int(v.(float64))) } // years: 2008, not 2,008
		}
		fmt.Fprintf(&b, `<text x="%v" y="%v" font-size="%v">%s</text>`, left, h-4, font, esc(text(lo)))
		fmt.Fprintf(&b, `<text x="%v" y="%v" font-size="%v" text-anchor="end">%s</text>`, w-pad, h-4, font, esc(text(hi)))
	}
	fmt.Fprintf(&b, `<line x1="%v" y1="%v" x2="%v" y2="%v" stroke="#999"/>`, left, base, w-pad, base)
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

// linesSVG draws series over the windows: a y grid at round values, every
// window named under the axis (turned when the names do not fit), a legend
// above.
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
	// Rates and scores read best on [0, 1] when they lie in it.
	if lo >= 0 && hi <= 1 {
		lo, hi = 0, 1
	}
	if lo == hi {
		lo, hi = lo-0.5, hi+0.5
	}
	ticks, step := roundTicks(lo, hi, 5)
	lo, hi = min(lo, ticks[0]), max(hi, ticks[len(ticks)-1])
	// Name every window when there are few, else every k-th; names that
	// do not fit their slot are turned 35°.
	const w, top = 720.0, 30.0
	left, right := 52.0, 24.0
	every := max(1, (n+11)/12)
	widest := 0.0
	for i, l := range labels {
		if i%every == 0 {
			widest = max(widest, float64(len([]rune(l)))*11*0.58)
		}
	}
	slot := (w - left - right) / float64(max(n-1, 1)) * float64(every)
	turn := widest > slot-6
	if !turn && n > 1 {
		// A name centred on the first or last window needs half its width
		// beyond the plot: widen the margins, and turn the names if they
		// no longer fit.
		edge := widest/2 + 4
		left, right = max(left, edge), max(right, edge)
		slot = (w - left - right) / float64(max(n-1, 1)) * float64(every)
		if turn = widest > slot-6; turn {
			left, right = 52, 24
		}
	}
	below := 24.0
	if turn {
		// A turned name runs down and left from its window: the first one
		// needs room on the left as well as below.
		below = widest*math.Sin(35*math.Pi/180) + 22
		left = max(left, widest*math.Cos(35*math.Pi/180)+4)
	}
	const plotH = 200.0
	h := top + plotH + below
	x := func(i int) float64 {
		if n == 1 {
			return (left + w - right) / 2
		}
		return left + float64(i)*(w-left-right)/float64(n-1)
	}
	y := func(v float64) float64 { return top + plotH - (v-lo)/(hi-lo)*plotH }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="plot" viewBox="0 0 %v %s" width="%v" height="%s" role="img" font-family="sans-serif">`, w, f2(h), w, f2(h))
	for _, t := range ticks {
		fmt.Fprintf(&b, `<line x1="%v" y1="%s" x2="%v" y2="%s" stroke="#e4e4e4"/>`, left, f2(y(t)), w-right, f2(y(t)))
		fmt.Fprintf(&b, `<text x="%v" y="%s" font-size="11" text-anchor="end" fill="#444">%s</text>`, left-6, f2(y(t)+4), esc(tickNum(t, step)))
	}
	fmt.Fprintf(&b, `<line x1="%v" y1="%s" x2="%v" y2="%s" stroke="#999"/>`, left, f2(top+plotH), w-right, f2(top+plotH))
	for i, l := range labels {
		if i%every != 0 || i >= n {
			continue
		}
		if turn {
			fmt.Fprintf(&b, `<text x="%s" y="%s" font-size="11" text-anchor="end" transform="rotate(-35 %s %s)">%s</text>`,
				f2(x(i)+4), f2(top+plotH+14), f2(x(i)+4), f2(top+plotH+14), esc(l))
		} else {
			fmt.Fprintf(&b, `<text x="%s" y="%s" font-size="11" text-anchor="middle">%s</text>`, f2(x(i)), f2(top+plotH+16), esc(l))
		}
	}
	lx := 8.0 // the legend's next entry
	for _, s := range ss {
		var path strings.Builder
		pen := "M"
		for i, v := range s.values {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				pen = "M"
				continue
			}
			fmt.Fprintf(&path, "%s%s %s ", pen, f2(x(i)), f2(y(v)))
			pen = "L"
			fmt.Fprintf(&b, `<circle cx="%s" cy="%s" r="3" fill="%s"><title>%s, %s: %s</title></circle>`, f2(x(i)), f2(y(v)), s.colour,
				esc(s.name), esc(labelAt(labels, i)), fmtNum(v))
		}
		dash := ""
		if s.dashed {
			dash = ` stroke-dasharray="5 3"`
		}
		fmt.Fprintf(&b, `<path d="%s" fill="none" stroke="%s" stroke-width="2"%s/>`, strings.TrimSpace(path.String()), s.colour, dash)
		fmt.Fprintf(&b, `<line x1="%s" y1="12" x2="%s" y2="12" stroke="%s" stroke-width="2"%s/>`, f2(lx), f2(lx+18), s.colour, dash)
		fmt.Fprintf(&b, `<text x="%s" y="16" font-size="12" fill="#333">%s</text>`, f2(lx+22), esc(s.name))
		lx += 22 + float64(len([]rune(s.name)))*12*0.58 + 24
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

func labelAt(labels []string, i int) string {
	if i < len(labels) {
		return labels[i]
	}
	return ""
}

// roundTicks returns about n round values (1, 2, 2.5 or 5 times a power of
// ten apart) covering [lo, hi], and their step.
func roundTicks(lo, hi float64, n int) ([]float64, float64) {
	raw := (hi - lo) / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := 10 * mag
	for _, m := range []float64{1, 2, 2.5, 5} {
		if raw <= m*mag {
			step = m * mag
			break
		}
	}
	var out []float64
	for v := math.Floor(lo/step+1e-9) * step; v <= hi+step*1e-9; v += step {
		out = append(out, v)
	}
	if out[len(out)-1] < hi {
		out = append(out, out[len(out)-1]+step)
	}
	return out, step
}

// tickNum writes a tick with the decimals its step needs.
func tickNum(v, step float64) string {
	if math.Abs(v) >= 1000 {
		return fmtNum(v)
	}
	dec := 0
	for p := step; p < 1 && dec < 6; p *= 10 {
		dec++
	}
	if math.Abs(v) < step*1e-9 {
		v = 0
	}
	return strconv.FormatFloat(v, 'f', dec, 64)
}
