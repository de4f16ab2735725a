package main

import (
	"encoding/json"
	"math"
	"testing"
)

// TestBatchBody checks the hand-written log-batch body against what
// encoding/json makes of the same request.
func TestBatchBody(t *testing.T) {
	ms := []metric{
		{Key: "loss", Value: 0.125, Timestamp: 1700000000000, Step: 3},
		{Key: "m<1>\"é", Value: -1e-7, Timestamp: 0, Step: -2},
		{Key: "big", Value: 1e300, Timestamp: math.MaxInt64, Step: 0},
	}
	ps := []param{{Key: "lr", Value: "0.1"}, {Key: "note", Value: "tab\there \\ ünï"}}
	type request struct {
		RunID   string   `json:"run_id"`
		Metrics []metric `json:"metrics"`
		Params  []param  `json:"params"`
	}
	for _, tt := range []struct {
		name string
		ms   []metric
		ps   []param
	}{{"both", ms, ps}, {"metrics", ms, nil}, {"params", nil, ps}, {"empty", nil, nil}} {
		body, err := batchBody("0123abcd", tt.ms, tt.ps)
		if err != nil {
			t.Fatal(err)
		}
		var got request
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatalf("%s: %s is not JSON: %v", tt.name, body, err)
		}
		want := request{"0123abcd", tt.ms, tt.ps}
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		if string(g) != string(w) {
			t.Errorf("%s: decoded %s, want %s", tt.name, g, w)
		}
	}
	if _, err := batchBody("r", []metric{{Key: "x", Value: math.NaN()}}, nil); err == nil {
		t.Error("a NaN value encoded without error")
	}
}
