package main

import (
	"fmt"
	"strconv"
	"strings"
)

// judgeArtifactBars renders whether base meets issue #3's bar: for each
// "label=factor" in spec, every artifact operation measured moves at least
// factor times the other server's MB/s. Registry search has no bar of its
// own; its ratios are in the tables. Nothing is written when no report
// measured an artifact operation.
func judgeArtifactBars(reps []*report, baseLabel, spec string) (string, error) {
	var ops []opRef
	for _, op := range opNames(reps) {
		if opBytes(op.key) > 0 {
			ops = append(ops, op)
		}
	}
	if len(ops) == 0 {
		return "", nil
	}
	byLabel := map[string]*report{}
	for _, r := range reps {
		byLabel[r.Label] = r
	}
	var b strings.Builder
	b.WriteString("\nIssue #3 bar for " + baseLabel + ":\n\n| bar | verdict |\n|---|---|\n")
	base := byLabel[baseLabel]
	if base == nil {
		b.WriteString("| artifact throughput | not judged: " + baseLabel + " was not measured |\n")
		return b.String(), nil
	}
	for _, item := range strings.Split(spec, ",") {
		if strings.TrimSpace(item) == "" {
			continue
		}
		label, f, ok := strings.Cut(strings.TrimSpace(item), "=")
		factor, err := strconv.ParseFloat(f, 64)
		if !ok || err != nil || factor <= 0 {
			return "", fmt.Errorf("-artifact-bars wants label=factor items, got %q", item)
		}
		bar := fmt.Sprintf("artifact throughput ≥%g× %s (MB/s)", factor, label)
		other := byLabel[label]
		if other == nil {
			fmt.Fprintf(&b, "| %s | not judged: %s was not measured |\n", bar, label)
			continue
		}
		var met, missed, unjudged []string
		for _, op := range ops {
			v := ratioValue(base, other, op.key, func(x result) float64 { return x.MBPerSec }, false)
			switch {
			case v < 0:
				unjudged = append(unjudged, op.name)
			case v < factor:
				missed = append(missed, fmt.Sprintf("%s (%s)", op.name, fmtRatio(v)))
			default:
				met = append(met, fmt.Sprintf("%s (%s)", op.name, fmtRatio(v)))
			}
		}
		var verdict []string
		if len(missed) > 0 {
			verdict = append(verdict, "missed: "+strings.Join(missed, "; "))
		}
		if len(unjudged) > 0 {
			verdict = append(verdict, "not comparable (not run or failed calls): "+strings.Join(unjudged, "; "))
		}
		if len(met) > 0 {
			verdict = append(verdict, "met: "+strings.Join(met, "; "))
		}
		fmt.Fprintf(&b, "| %s | %s |\n", bar, strings.Join(verdict, ". "))
	}
	return b.String(), nil
}
