package httpapi

import (
	"context"
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/tracking"
)

// TestClientRoundTrip sends every Service call through Client and Server
// to the test double: the double must receive what the client was given,
// and the client must return what the double answered.
func TestClientRoundTrip(t *testing.T) {
	var last any
	srv := httptest.NewServer(newTestServer(t, recordingFake(&last)).Handler())
	defer srv.Close()
	c := NewClient(srv.URL)
	ctx := context.Background()
	finished := tracking.StatusFinished
	end, name := int64(0), "renamed"
	start, stop := int64(1), int64(9)

	cases := []struct {
		name       string
		call       func() (any, error)
		wantCall   any
		wantResult any
	}{
		{"CreateExperiment", func() (any, error) {
			return c.CreateExperiment(ctx, "e", "s3://b", []tracking.Tag{{Key: "k", Value: "v"}})
		}, createExperimentCall{"e", "s3://b", []tracking.Tag{{Key: "k", Value: "v"}}}, "7"},
		{"GetExperiment", func() (any, error) { return c.GetExperiment(ctx, "1") }, idCall{"1"}, sampleExperiment()},
		{"GetExperimentByName", func() (any, error) { return c.GetExperimentByName(ctx, "a b&c") }, idCall{"a b&c"}, sampleExperiment()},
		{"SearchExperiments", func() (any, error) {
			exps, next, err := c.SearchExperiments(ctx, tracking.ExperimentSearch{Filter: "name = 'x'",
				OrderBy: []string{"name"}, ViewType: tracking.AllViews, MaxResults: 3, PageToken: "p"})
			return []any{exps, next}, err
		}, tracking.ExperimentSearch{Filter: "name = 'x'", OrderBy: []string{"name"}, ViewType: tracking.AllViews, MaxResults: 3, PageToken: "p"},
			[]any{[]*tracking.Experiment{sampleExperiment()}, "next"}},
		{"SearchExperiments defaults", func() (any, error) {
			_, _, err := c.SearchExperiments(ctx, tracking.ExperimentSearch{})
			return nil, err
		}, tracking.ExperimentSearch{ViewType: tracking.ActiveOnly, MaxResults: 1000}, nil},
		{"UpdateExperiment", func() (any, error) { return nil, c.UpdateExperiment(ctx, "1", "n") }, idNameCall{"1", "n"}, nil},
		{"DeleteExperiment", func() (any, error) { return nil, c.DeleteExperiment(ctx, "1") }, idCall{"1"}, nil},
		{"RestoreExperiment", func() (any, error) { return nil, c.RestoreExperiment(ctx, "1") }, idCall{"1"}, nil},
		{"SetExperimentTag", func() (any, error) { return nil, c.SetExperimentTag(ctx, "1", "k", "") }, idKVCall{"1", "k", ""}, nil},
		{"DeleteExperimentTag", func() (any, error) { return nil, c.DeleteExperimentTag(ctx, "1", "k") }, idNameCall{"1", "k"}, nil},
		{"CreateRun", func() (any, error) {
			return c.CreateRun(ctx, tracking.RunCreate{ExperimentID: "1", UserID: "u", RunName: "r", StartTime: 5,
				Tags: []tracking.Tag{{Key: "k", Value: "v"}}})
		}, tracking.RunCreate{ExperimentID: "1", UserID: "u", RunName: "r", StartTime: 5, Tags: []tracking.Tag{{Key: "k", Value: "v"}}},
			sampleRun()},
		{"GetRun", func() (any, error) { return c.GetRun(ctx, "r1") }, idCall{"r1"}, sampleRun()},
		{"UpdateRun all fields", func() (any, error) {
			return c.UpdateRun(ctx, "r1", tracking.RunUpdate{Status: &finished, EndTime: &end, RunName: &name})
		}, updateRunCall{"r1", tracking.RunUpdate{Status: &finished, EndTime: &end, RunName: &name}}, &sampleRun().Info},
		{"UpdateRun no fields", func() (any, error) { return c.UpdateRun(ctx, "r1", tracking.RunUpdate{}) },
			updateRunCall{"r1", tracking.RunUpdate{}}, &sampleRun().Info},
		{"DeleteRun", func() (any, error) { return nil, c.DeleteRun(ctx, "r1") }, idCall{"r1"}, nil},
		{"RestoreRun", func() (any, error) { return nil, c.RestoreRun(ctx, "r1") }, idCall{"r1"}, nil},
		{"SearchRuns", func() (any, error) {
			runs, next, err := c.SearchRuns(ctx, tracking.RunSearch{ExperimentIDs: []string{"1", "2"}, Filter: "params.a = '1'",
				OrderBy: []string{"metrics.m DESC"}, ViewType: tracking.DeletedOnly, MaxResults: 10, PageToken: "p"})
			return []any{runs, next}, err
		}, tracking.RunSearch{ExperimentIDs: []string{"1", "2"}, Filter: "params.a = '1'", OrderBy: []string{"metrics.m DESC"},
			ViewType: tracking.DeletedOnly, MaxResults: 10, PageToken: "p"},
			[]any{[]*tracking.Run{sampleRun()}, ""}},
		{"LogMetric NaN", func() (any, error) {
			return nil, c.LogMetric(ctx, "r1", tracking.Metric{Key: "m", Value: math.NaN(), Timestamp: 3, Step: -1,
				ModelID: "m-1", DatasetName: "d", DatasetDigest: "x"})
		}, runMetricCall{"r1", tracking.Metric{Key: "m", Value: math.NaN(), Timestamp: 3, Step: -1, ModelID: "m-1",
			DatasetName: "d", DatasetDigest: "x"}}, nil},
		{"LogMetric -Inf", func() (any, error) {
			return nil, c.LogMetric(ctx, "r1", tracking.Metric{Key: "m", Value: math.Inf(-1), Timestamp: 3})
		}, runMetricCall{"r1", tracking.Metric{Key: "m", Value: math.Inf(-1), Timestamp: 3}}, nil},
		{"LogParam", func() (any, error) { return nil, c.LogParam(ctx, "r1", tracking.Param{Key: "p", Value: "v"}) },
			runParamCall{"r1", tracking.Param{Key: "p", Value: "v"}}, nil},
		{"SetTag", func() (any, error) { return nil, c.SetTag(ctx, "r1", tracking.Tag{Key: "t", Value: "é\n"}) },
			runTagCall{"r1", tracking.Tag{Key: "t", Value: "é\n"}}, nil},
		{"DeleteTag", func() (any, error) { return nil, c.DeleteTag(ctx, "r1", "t") }, idNameCall{"r1", "t"}, nil},
		{"LogBatch", func() (any, error) {
			return nil, c.LogBatch(ctx, "r1", []tracking.Metric{{Key: "a", Value: 1e300, Timestamp: 1, Step: 2}, {Key: "b", Value: math.Inf(1)}},
				[]tracking.Param{{Key: "p", Value: "v"}}, []tracking.Tag{{Key: "t", Value: "w"}})
		}, logBatchCall{"r1", []tracking.Metric{{Key: "a", Value: 1e300, Timestamp: 1, Step: 2}, {Key: "b", Value: math.Inf(1)}},
			[]tracking.Param{{Key: "p", Value: "v"}}, []tracking.Tag{{Key: "t", Value: "w"}}}, nil},
		{"LogInputs", func() (any, error) {
			return nil, c.LogInputs(ctx, "r1", sampleRun().Inputs.DatasetInputs, []tracking.ModelInput{{ModelID: "m-0"}})
		}, logInputsCall{"r1", sampleRun().Inputs.DatasetInputs, []tracking.ModelInput{{ModelID: "m-0"}}}, nil},
		{"LogOutputs", func() (any, error) {
			return nil, c.LogOutputs(ctx, "r1", []tracking.ModelOutput{{ModelID: "m-1", Step: 4}})
		}, logOutputsCall{"r1", []tracking.ModelOutput{{ModelID: "m-1", Step: 4}}}, nil},
		{"GetMetricHistory", func() (any, error) {
			ms, next, err := c.GetMetricHistory(ctx, tracking.MetricHistoryQuery{RunID: "r1", Key: "auc", MaxResults: 2, PageToken: "p"})
			return []any{ms, next}, err
		}, tracking.MetricHistoryQuery{RunID: "r1", Key: "auc", MaxResults: 2, PageToken: "p"}, []any{sampleMetrics(), ""}},
		{"GetMetricHistoryBulkInterval", func() (any, error) {
			return c.GetMetricHistoryBulkInterval(ctx, tracking.BulkIntervalQuery{RunIDs: []string{"a", "b"}, Key: "auc",
				StartStep: &start, EndStep: &stop, MaxResults: 7})
		}, tracking.BulkIntervalQuery{RunIDs: []string{"a", "b"}, Key: "auc", StartStep: &start, EndStep: &stop, MaxResults: 7},
			sampleMetrics()},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			last = nil
			got, err := tc.call()
			if err != nil {
				t.Fatal(err)
			}
			if !sameCall(last, tc.wantCall) {
				t.Errorf("service call:\n got %#v\nwant %#v", last, tc.wantCall)
			}
			if tc.wantResult != nil && !sameCall(got, tc.wantResult) {
				t.Errorf("result:\n got %#v\nwant %#v", got, tc.wantResult)
			}
		})
	}
}

func TestClientErrors(t *testing.T) {
	fake := &fakeTracking{GetRunFn: func(context.Context, string) (*tracking.Run, error) {
		return nil, weir.Errorf(weir.ErrResourceDoesNotExist, "Run with id=x not found")
	}}
	srv := httptest.NewServer(newTestServer(t, fake).Handler())
	defer srv.Close()
	ctx := context.Background()
	_, err := NewClient(srv.URL).GetRun(ctx, "x")
	if got, want := weir.ErrorCode(err), weir.ErrResourceDoesNotExist; got != want {
		t.Errorf("code: got %s, want %s (%v)", got, want, err)
	}
	if got, want := weir.ErrorMessage(err), "Run with id=x not found"; got != want {
		t.Errorf("message: got %q, want %q", got, want)
	}

	// A server that answers without MLflow's error JSON: the code comes
	// from the status, as in MLflow's client.
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no such thing", http.StatusNotFound)
	}))
	defer plain.Close()
	_, err = NewClient(plain.URL).GetRun(ctx, "x")
	if got, want := weir.ErrorCode(err), weir.ErrEndpointNotFound; got != want {
		t.Errorf("plain 404: got %s, want %s (%v)", got, want, err)
	}
	if got, want := weir.ErrorMessage(err), "no such thing"; got != want {
		t.Errorf("plain 404 message: got %q, want %q", got, want)
	}

	// A server that is gone: a transport error, not a *weir.Error.
	_, err = NewClient("http://127.0.0.1:1").GetRun(ctx, "x")
	var we *weir.Error
	if err == nil || errors.As(err, &we) {
		t.Errorf("unreachable server: got %v, want a transport error", err)
	}
}

// TestGracefulClose checks that Close lets an in-flight request finish.
func TestGracefulClose(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	fake := &fakeTracking{GetRunFn: func(context.Context, string) (*tracking.Run, error) {
		close(entered)
		<-release
		return bareRun(), nil
	}}
	s := newTestServer(t, fake)
	s.Addr = "127.0.0.1:0"
	if err := s.Open(); err != nil {
		t.Fatal(err)
	}
	url := s.URL()
	type result struct {
		run *tracking.Run
		err error
	}
	done := make(chan result, 1)
	go func() {
		run, err := NewClient(url).GetRun(context.Background(), "r2")
		done <- result{run, err}
	}()
	<-entered
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	// Give Close time to stop the listener before the handler finishes;
	// the request must still succeed.
	time.Sleep(50 * time.Millisecond)
	close(release)
	r := <-done
	if r.err != nil || r.run.Info.RunID != "r2" {
		t.Fatalf("in-flight request: got %v, %v; want run r2", r.run, r.err)
	}
	if err := <-closed; err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := NewClient(url).GetRun(context.Background(), "r2"); err == nil {
		t.Error("request after Close succeeded")
	}
}

func TestOpenValidates(t *testing.T) {
	s := NewServer()
	if err := s.Open(); err == nil {
		s.Close()
		t.Fatal("Open without Tracking succeeded")
	}
}

func TestClientCredentials(t *testing.T) {
	cases := []struct {
		name string
		set  func(c *Client)
		want string
	}{
		{"none", func(c *Client) {}, ""},
		{"token", func(c *Client) { c.Token = "t0k" }, "Bearer t0k"},
		{"basic", func(c *Client) { c.Username, c.Password = "ana", "pw" }, "Basic YW5hOnB3"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				got = r.Header.Get("Authorization")
				w.Write([]byte("{}"))
			}))
			defer srv.Close()
			c := NewClient(srv.URL)
			tc.set(c)
			if err := c.DeleteRun(context.Background(), "r"); err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("Authorization: got %q, want %q", got, tc.want)
			}
		})
	}
}
