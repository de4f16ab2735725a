package main

import (
	"math"
	"slices"
	"time"
)

// summarize fills the latency and throughput fields from the recorded
// latencies and the wall-clock time the measurement took.
func (r *result) summarize(wall time.Duration) {
	r.OK = len(r.latencies)
	r.WallSeconds = wall.Seconds()
	if r.OK == 0 {
		return
	}
	slices.Sort(r.latencies)
	var sum time.Duration
	r.LatenciesMs = make([]float64, r.OK)
	for i, d := range r.latencies {
		sum += d
		r.LatenciesMs[i] = math.Round(ms(d)*1000) / 1000 // to the microsecond
	}
	r.MeanMs = ms(sum / time.Duration(r.OK))
	r.P50Ms = ms(percentile(r.latencies, 50))
	r.P99Ms = ms(percentile(r.latencies, 99))
	r.MaxMs = ms(r.latencies[r.OK-1])
	if wall > 0 {
		r.OpsPerSec = float64(r.OK) / wall.Seconds()
		r.MBPerSec = r.OpsPerSec * float64(r.BytesPerOp) / mb
	}
}

// percentile returns the nearest-rank p-th percentile of sorted, which must
// not be empty: the smallest value with at least p% of the values at or
// below it.
func percentile(sorted []time.Duration, p float64) time.Duration {
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	rank = max(1, min(rank, len(sorted)))
	return sorted[rank-1]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
