package httpapi

import (
	"math"
	"testing"

	"github.com/weir-ml/weir/tracking"
)

// TestHistoryEncoderMatchesMetric checks that the history's fast encoder
// writes every point byte for byte as jsonWriter.metric does, across keys
// and runs that change mid-stream, escapes, special values and names.
func TestHistoryEncoderMatchesMetric(t *testing.T) {
	points := []tracking.Metric{
		{Key: "loss", RunID: "0123456789abcdef0123456789abcdef", Value: 0.5, Timestamp: 1700000000000, Step: 3},
		{Key: "loss", RunID: "0123456789abcdef0123456789abcdef", Value: math.NaN(), Timestamp: 0, Step: 0},
		{Key: "loss", RunID: "0123456789abcdef0123456789abcdef", Value: math.Inf(-1), Timestamp: -1, Step: -7},
		{Key: "loss", RunID: "0123456789abcdef0123456789abcdef", Value: 1e-7, Step: math.MaxInt64, ModelID: "m-1"},
		{Key: `a"b\c` + "\n\u2028é", RunID: "0123456789abcdef0123456789abcdef", Value: 1e21, DatasetName: "d,\"x\"", DatasetDigest: "dig"},
		{Key: `a"b\c` + "\n\u2028é", RunID: "", Value: -0.0, DatasetDigest: "only"},
		{Key: "acc", RunID: "r2", Value: 123456789.125, Timestamp: math.MinInt64},
	}
	var enc historyEncoder
	for i := range points {
		var want jsonWriter
		want.metric(&points[i])
		got := enc.append(nil, &points[i])
		if string(got) != string(want.b) {
			t.Errorf("point %d: got %s, want %s", i, got, want.b)
		}
	}
}
