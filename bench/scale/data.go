package main

import (
	"fmt"
	"slices"
	"strings"
)

// The logical data of a generated store. Everything is a pure function of
// the run's index r (0 <= r < runs) or the history point's step, so the Weir
// and the MLflow stores hold the same data, and the driver knows which runs
// a search must answer without asking either server.

// Experiments 1-3 hold the runs: 80% in experiment 1 (the one the runs page
// shows), 10% in each of the others. Experiment 4 holds the one run whose
// metric history is measured. Experiment 0 is "Default", empty.
const (
	mainExperiment    = 1
	historyExperiment = 4
	historyKey        = "loss"
)

// experimentName names experiment id (1-4).
func experimentName(id int) string {
	if id == historyExperiment {
		return "scale-history"
	}
	return fmt.Sprintf("scale-%d", id)
}

// baseTime is 2026-01-01T00:00:00Z in milliseconds: run r starts r seconds
// after it, so the default order (start_time DESC) is r descending.
const baseTime int64 = 1767225600000

// paramCardinality is how many distinct values each param p0..p9 takes, from
// a two-way switch to one value per run (0), so filters on different params
// select from half the runs to one run.
var paramCardinality = [numParams]int{2, 3, 5, 10, 20, 50, 100, 1000, 10000, 0}

const (
	numParams  = 10
	numMetrics = 10
	numTags    = 5
)

// tagKeys are the five tags of every run: the three MLflow's clients set and
// two of the user's, low-cardinality.
var tagKeys = [numTags]string{"mlflow.runName", "mlflow.user", "mlflow.source.name", "team", "stage"}

// mix is splitmix64's finaliser: a cheap, well-spread hash of x.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// hash2 hashes a run index with a field number.
func hash2(r, field int) uint64 { return mix(uint64(r)<<8 ^ uint64(field)) }

// unit maps a hash to [0, 1) with 53 bits, exactly representable in both
// databases' double columns.
func unit(h uint64) float64 { return float64(h>>11) / (1 << 53) }

// runID is run r's 32-hex-digit ID, like a uuid4's hex.
func runID(r int) string { return fmt.Sprintf("%016x%016x", hash2(r, 200), hash2(r, 201)) }

// historyRunID is the ID of the run holding the long metric history.
func historyRunID() string { return fmt.Sprintf("%032x", 0xfeed) }

// runExperiment is the experiment run r belongs to.
func runExperiment(r int) int {
	switch r % 10 {
	case 8:
		return 2
	case 9:
		return 3
	}
	return mainExperiment
}

// runName is run r's name, also its mlflow.runName tag.
func runName(r int) string { return fmt.Sprintf("run-%07d", r) }

// runStart is run r's start time in milliseconds.
func runStart(r int) int64 { return baseTime + int64(r)*1000 }

// runEnd is run r's end time: one to eleven minutes after its start.
func runEnd(r int) int64 { return runStart(r) + 60000 + int64(hash2(r, 202)%600000) }

// runStatus is FINISHED but for one run in 97, FAILED.
func runStatus(r int) string {
	if r%97 == 0 {
		return "FAILED"
	}
	return "FINISHED"
}

// runUser is one of twenty users.
func runUser(r int) string { return fmt.Sprintf("user-%02d", r%20) }

// paramKey names param k.
func paramKey(k int) string { return fmt.Sprintf("p%d", k) }

// paramValue is run r's value of param k: "v<n>" with n below the param's
// cardinality, or the run's own number for the last one.
func paramValue(r, k int) string {
	c := paramCardinality[k]
	if c == 0 {
		return fmt.Sprintf("v%d", r)
	}
	return fmt.Sprintf("v%d", hash2(r, k)%uint64(c))
}

// metricKey names metric k.
func metricKey(k int) string { return fmt.Sprintf("m%d", k) }

// metricValue is run r's only value of metric k, logged at step 0: uniform
// in [0, 1).
func metricValue(r, k int) float64 { return unit(hash2(r, 100+k)) }

// metricTime is the timestamp of run r's metrics: its end time.
func metricTime(r int) int64 { return runEnd(r) }

// tagValue is run r's value of tag k (see tagKeys).
func tagValue(r, k int) string {
	switch k {
	case 0:
		return runName(r)
	case 1:
		return runUser(r)
	case 2:
		return "train.py"
	case 3:
		return fmt.Sprintf("team-%d", hash2(r, 300)%8)
	default:
		return []string{"dev", "staging", "prod"}[hash2(r, 301)%3]
	}
}

// historyValue is the history run's value at step s: a noisy decaying loss.
func historyValue(s int) float64 {
	return 1/(1+float64(s)/1000) + unit(mix(uint64(s)^0xabc))/100
}

// historyTime is the timestamp of step s: one point a millisecond.
func historyTime(s int) int64 { return baseTime + int64(s) }

// The search the driver times: a metric filter and a param filter, ordered
// by another metric, over every run of experiments 1-3.
const (
	searchFilter = "metrics.m0 > 0.5 and params.p2 = 'v1'"
	searchOrder  = "metrics.m1 DESC"
	searchPage   = 100
)

// searchMatches reports whether run r passes searchFilter.
func searchMatches(r int) bool { return metricValue(r, 0) > 0.5 && paramValue(r, 2) == "v1" }

// expectedSearch returns the IDs of the first n runs (of runs) that the
// timed search must answer, in order, and how many runs match in all.
// Ties on m1 (there are none in practice) would fall back to MLflow's
// start_time DESC, run_uuid order.
func expectedSearch(runs, n int) (ids []string, matched int) {
	var hits []int
	for r := range runs {
		if searchMatches(r) {
			hits = append(hits, r)
		}
	}
	slices.SortFunc(hits, func(a, b int) int {
		ma, mb := metricValue(a, 1), metricValue(b, 1)
		switch {
		case ma > mb:
			return -1
		case ma < mb:
			return 1
		case runStart(a) != runStart(b):
			return int(runStart(b) - runStart(a))
		}
		return strings.Compare(runID(a), runID(b))
	})
	for _, r := range hits[:min(n, len(hits))] {
		ids = append(ids, runID(r))
	}
	return ids, len(hits)
}

// expectedPage returns the IDs of the first n runs of the main experiment in
// the default order, start time descending: the runs page's first load.
func expectedPage(runs, n int) []string {
	var ids []string
	for r := runs - 1; r >= 0 && len(ids) < n; r-- {
		if runExperiment(r) == mainExperiment {
			ids = append(ids, runID(r))
		}
	}
	return ids
}

// expectedSorted returns the IDs of the first n runs of the main experiment
// ordered by m1 descending: the runs page sorted by a metric.
func expectedSorted(runs, n int) []string {
	var rs []int
	for r := range runs {
		if runExperiment(r) == mainExperiment {
			rs = append(rs, r)
		}
	}
	slices.SortFunc(rs, func(a, b int) int {
		ma, mb := metricValue(a, 1), metricValue(b, 1)
		switch {
		case ma > mb:
			return -1
		case ma < mb:
			return 1
		}
		return b - a
	})
	var ids []string
	for _, r := range rs[:min(n, len(rs))] {
		ids = append(ids, runID(r))
	}
	return ids
}
