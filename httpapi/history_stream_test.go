package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"testing"

	"github.com/weir-ml/weir/tracking"
)

// TestMetricHistoryStreamed checks that a history long enough to be sent in
// chunks reads back exactly as the store holds it, whole and paged, and
// that a short one still goes out in one piece with its length.
func TestMetricHistoryStreamed(t *testing.T) {
	ctx := context.Background()
	srv, _ := MustOpenServer(t)
	run, err := srv.Tracking.CreateRun(ctx, tracking.RunCreate{ExperimentID: "0"})
	if err != nil {
		t.Fatal(err)
	}
	id := run.Info.RunID
	const points = 3000 // about 300 KB of JSON, several chunks
	for start := 0; start < points; start += 1000 {
		ms := make([]tracking.Metric, 0, 1000)
		for s := start; s < start+1000; s++ {
			v := float64(s) / 7
			if s%500 == 0 {
				v = math.NaN()
			}
			ms = append(ms, tracking.Metric{Key: "loss", Value: v, Timestamp: 1700000000000 + int64(s), Step: int64(s)})
		}
		if err := srv.Tracking.LogBatch(ctx, id, ms, nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	want, _, err := srv.Tracking.GetMetricHistory(ctx, tracking.MetricHistoryQuery{RunID: id, Key: "loss"})
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name       string
		maxResults int
		streamed   bool // whether the first answer is long enough to stream
	}{
		{"whole", 0, true},
		{"pages of 1200", 1200, true},
		{"pages of 10", 10, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []historyPoint
			token := ""
			for page := 0; ; page++ {
				q := url.Values{"run_id": {id}, "metric_key": {"loss"}}
				if tt.maxResults > 0 {
					q.Set("max_results", fmt.Sprint(tt.maxResults))
				}
				if token != "" {
					q.Set("page_token", token)
				}
				resp, err := http.Get(srv.URL() + "/api/2.0/mlflow/metrics/get-history?" + q.Encode())
				if err != nil {
					t.Fatal(err)
				}
				var body struct {
					Metrics       []historyPoint `json:"metrics"`
					NextPageToken string         `json:"next_page_token"`
				}
				err = json.NewDecoder(resp.Body).Decode(&body)
				resp.Body.Close()
				if err != nil {
					t.Fatalf("page %d: %v", page, err)
				}
				if page == 0 {
					if gotStreamed := resp.ContentLength < 0; gotStreamed != tt.streamed {
						t.Errorf("streamed (no Content-Length) = %v, want %v", gotStreamed, tt.streamed)
					}
				}
				got = append(got, body.Metrics...)
				if token = body.NextPageToken; token == "" || page > points {
					break
				}
			}
			if len(got) != len(want) {
				t.Fatalf("got %d points, want %d", len(got), len(want))
			}
			for i, m := range want {
				if g := got[i]; !g.matches(m) {
					t.Fatalf("point %d: got %+v, want %+v", i, g, m)
				}
			}
		})
	}

	t.Run("unknown run", func(t *testing.T) {
		got := mustGetJSON(t, srv.URL()+"/api/2.0/mlflow/metrics/get-history?run_id=0123456789abcdef0123456789abcdef&metric_key=loss")
		if want := "{}"; got != want {
			t.Errorf("got %s, want %s", got, want)
		}
	})
}

// historyPoint is a metric as the get-history answer spells it: NaN is
// the string "NaN".
type historyPoint struct {
	Key       string `json:"key"`
	Value     any    `json:"value"`
	Timestamp int64  `json:"timestamp"`
	Step      int64  `json:"step"`
	RunID     string `json:"run_id"`
}

func (p historyPoint) matches(m tracking.Metric) bool {
	if p.Key != m.Key || p.Timestamp != m.Timestamp || p.Step != m.Step || p.RunID != m.RunID {
		return false
	}
	if math.IsNaN(m.Value) {
		return p.Value == "NaN"
	}
	v, ok := p.Value.(float64)
	return ok && v == m.Value
}
