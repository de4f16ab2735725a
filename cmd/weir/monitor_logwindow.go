//go:build !weir_serve

package main

import (
	"strconv"
	"strings"
	"time"

	"github.com/weir-ml/weir/monitor"
)

// logWindow keeps the logged rows scored in [Since, Until). On an s3://
// prefix it also skips the segments uploaded before Since, without
// reading them: a segment holds rows scored before its upload.
type logWindow struct {
	Since string `placeholder:"TIME" help:"Read only logged rows scored at or after this time (RFC 3339, a date or a year); on an s3:// prefix, segments uploaded before it are not read."`
	Until string `placeholder:"TIME" help:"Read only logged rows scored before this time (RFC 3339, a date or a year)."`
}

// bounds parses the window; zero times mean no bound.
func (w logWindow) bounds() (since, until time.Time, err error) {
	if w.Since != "" {
		if since, err = monitor.ParseTime(w.Since); err != nil {
			return since, until, usagef("--since %q is not a time (RFC 3339, a date 2006-01-02 or a year)", w.Since)
		}
	}
	if w.Until != "" {
		if until, err = monitor.ParseTime(w.Until); err != nil {
			return since, until, usagef("--until %q is not a time (RFC 3339, a date 2006-01-02 or a year)", w.Until)
		}
	}
	if !since.IsZero() && !until.IsZero() && !until.After(since) {
		return since, until, usagef("--until %s is not after --since %s", w.Until, w.Since)
	}
	return since, until, nil
}

// keep returns the predictions scored within the window.
func (w logWindow) keep(preds []monitor.Prediction) ([]monitor.Prediction, error) {
	since, until, err := w.bounds()
	if err != nil || since.IsZero() && until.IsZero() {
		return preds, err
	}
	out := preds[:0:0]
	for _, p := range preds {
		if (since.IsZero() || !p.Time.Before(since)) && (until.IsZero() || p.Time.Before(until)) {
			out = append(out, p)
		}
	}
	return out, nil
}

// skipSegment reports whether the segment named name (the scoring
// server's <unix nanoseconds>-<replica>-<seq>.jsonl) was uploaded before
// since and so holds no row of the window. Names of another form are
// read.
func skipSegment(name string, since time.Time) bool {
	if since.IsZero() {
		return false
	}
	stamp, _, ok := strings.Cut(name, "-")
	if !ok || len(stamp) != 19 {
		return false
	}
	ns, err := strconv.ParseInt(stamp, 10, 64)
	return err == nil && time.Unix(0, ns).Before(since)
}
