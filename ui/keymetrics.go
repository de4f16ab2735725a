package ui

import (
	"slices"
	"sort"
	"strings"

	"github.com/weir-ml/weir/tracking"
)

// TagSelectionMetric names the metric an experiment's runs are judged by
// (for instance "roc_auc"). Set on the experiment or on its runs, it puts
// that metric first in the runs table, with its holdout_ and valid_
// variants.
const TagSelectionMetric = "weir.selection_metric"

// pipelineSelection are the selection metrics of Weir's pipeline (one per
// task), which it logs as holdout_<name> on the pipeline run and
// valid_<name> on each trial. They are recognised when no run names its
// metric with TagSelectionMetric.
var pipelineSelection = []string{"roc_auc_ovr", "roc_auc", "rmse"}

// keyMetrics chooses up to n metric columns for a runs table that the URL
// says nothing about: the selection metric first (as logged, and its
// holdout_ and valid_ variants), then the other metrics of each variant's
// family, the most common family first (holdout_pr_auc after
// holdout_roc_auc), then the metrics most runs on the page have (ties by
// name). A table that opened on the
// first keys alphabetically showed baseline.* and hid holdout_roc_auc.
func keyMetrics(exp *tracking.Experiment, runs []*tracking.Run, n int) []string {
	count := map[string]int{}
	for _, run := range runs {
		for _, m := range run.Data.Metrics {
			count[m.Key]++
		}
	}
	var out []string
	add := func(k string) {
		if count[k] > 0 && len(out) < n && !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	families := map[string]int{} // prefix of a selection variant present -> its count
	for _, sel := range selectionMetrics(exp, runs, count) {
		for _, prefix := range []string{"", "holdout_", "valid_"} {
			add(prefix + sel)
			if c := count[prefix+sel]; c > 0 && prefix != "" {
				families[prefix] = max(families[prefix], c)
			}
		}
	}
	all := byCount(count)
	for _, family := range byCount(families) {
		for _, k := range all {
			if strings.HasPrefix(k, family) {
				add(k)
			}
		}
	}
	for _, k := range all {
		add(k)
	}
	return out
}

// selectionMetrics reads TagSelectionMetric from the experiment, else from
// the page's runs (most common value first), else recognises the
// pipeline's metrics.
func selectionMetrics(exp *tracking.Experiment, runs []*tracking.Run, count map[string]int) []string {
	if exp != nil {
		if v := tagValue(exp.Tags, TagSelectionMetric); v != "" {
			return []string{v}
		}
	}
	tagged := map[string]int{}
	for _, run := range runs {
		if v := tagValue(run.Data.Tags, TagSelectionMetric); v != "" {
			tagged[v]++
		}
	}
	if len(tagged) > 0 {
		return byCount(tagged)
	}
	for _, sel := range pipelineSelection {
		if count["holdout_"+sel] > 0 || count["valid_"+sel] > 0 {
			return []string{sel}
		}
	}
	return nil
}

// commonParams chooses up to n param columns: the params most runs on the
// page have, those whose values differ first among equals, then by name.
func commonParams(runs []*tracking.Run, n int) []string {
	count := map[string]int{}
	values := map[string]map[string]bool{}
	for _, run := range runs {
		for _, p := range run.Data.Params {
			count[p.Key]++
			if values[p.Key] == nil {
				values[p.Key] = map[string]bool{}
			}
			values[p.Key][p.Value] = true
		}
	}
	keys := byCount(count)
	sort.SliceStable(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if count[a] != count[b] {
			return count[a] > count[b]
		}
		return len(values[a]) > 1 && len(values[b]) == 1
	})
	if len(keys) > n {
		keys = keys[:n]
	}
	return keys
}

// byCount returns the keys most frequent first, ties by name.
func byCount(count map[string]int) []string {
	keys := make([]string, 0, len(count))
	for k := range count {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if count[keys[i]] != count[keys[j]] {
			return count[keys[i]] > count[keys[j]]
		}
		return keys[i] < keys[j]
	})
	return keys
}
