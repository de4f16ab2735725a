package ui

import (
	"fmt"
	"html/template"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// funcs are the helpers templates may call.
var funcs = template.FuncMap{
	"time":     fmtTime,
	"duration": fmtDuration,
	"num":      fmtNum,
	"bytes":    fmtBytes,
	"short":    shortID,
	"q":        url.QueryEscape,
	"path":     url.PathEscape,
	"join":     strings.Join,
}

// fmtTime shows a millisecond timestamp in UTC, to the second. Zero is "—".
func fmtTime(ms int64) string {
	if ms <= 0 {
		return "—"
	}
	return time.UnixMilli(ms).UTC().Format("2006-01-02 15:04:05")
}

// fmtDuration shows a run's length, rounded to what a person reads.
func fmtDuration(start int64, end *int64) string {
	if start <= 0 || end == nil || *end < start {
		return "—"
	}
	d := time.Duration(*end-start) * time.Millisecond
	switch {
	case d < time.Second:
		return strconv.FormatInt(int64(d/time.Millisecond), 10) + " ms"
	case d < time.Minute:
		return strconv.FormatFloat(d.Seconds(), 'f', 1, 64) + " s"
	case d < time.Hour:
		return fmt.Sprintf("%d min %d s", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%d h %d min", int(d.Hours()), int(d.Minutes())%60)
}

// fmtNum shows a metric value with up to 6 significant digits.
func fmtNum(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "∞"
	case math.IsInf(v, -1):
		return "−∞"
	}
	return strconv.FormatFloat(v, 'g', 6, 64)
}

func fmtBytes(n int64) string {
	switch {
	case n < 1<<10:
		return strconv.FormatInt(n, 10) + " B"
	case n < 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<10), 'f', 1, 64) + " KiB"
	case n < 1<<30:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MiB"
	}
	return strconv.FormatFloat(float64(n)/(1<<30), 'f', 1, 64) + " GiB"
}

// shortID keeps the first 8 characters of a run ID, enough to tell runs
// apart on a page.
func shortID(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}

func init() {
	funcs["base"] = func(p string) string { return p[strings.LastIndexByte(p, '/')+1:] }
	funcs["inc"] = func(n int) int { return n + 1 }
	funcs["versionURL"] = versionURL
	funcs["modelStatus"] = func(s string) string { return strings.TrimPrefix(s, "LOGGED_MODEL_") }
	funcs["long"] = isLong
	funcs["clip"] = clip
}

// longValue is where a param or tag value stops being shown whole: longer
// ones (or several lines) show their start and open on demand.
const longValue = 160

func isLong(s string) bool { return len(s) > longValue || strings.Contains(s, "\n") }

// clip keeps the first line of s, cut to about longValue/2 bytes on a
// character boundary, for the summary of a long value.
func clip(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) <= longValue/2 {
		return s
	}
	n := longValue / 2
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
