package sqlstore

import (
	"context"
	"testing"

	"github.com/weir-ml/weir/tracking"
)

// testSuite runs every integration test of the tracking store on services
// made by newSvc. A PostgreSQL store will run the same suite.
func testSuite(t *testing.T, newSvc newServiceFunc) {
	tests := []struct {
		name string
		fn   func(*testing.T, newServiceFunc)
	}{
		{"CreateExperiment", testCreateExperiment},
		{"GetExperimentByName", testGetExperimentByName},
		{"ExperimentLifecycle", testExperimentLifecycle},
		{"ExperimentTags", testExperimentTags},
		{"SearchExperiments", testSearchExperiments},
		{"CreateRun", testCreateRun},
		{"GetRunMissing", testGetRunMissing},
		{"UpdateRun", testUpdateRun},
		{"RunLifecycle", testRunLifecycle},
		{"LogToInactiveRun", testLogToInactiveRun},
		{"Params", testParams},
		{"Tags", testTags},
		{"LatestMetric", testLatestMetric},
		{"NaNInfRoundTrip", testNaNInfRoundTrip},
		{"LogBatch", testLogBatch},
		{"LogBatchAtomic", testLogBatchAtomic},
		{"LogInputsOutputs", testLogInputsOutputs},
		{"SearchRunsMatrix", testSearchRunsMatrix},
		{"SearchRunsArgs", testSearchRunsArgs},
		{"SearchRunsPaging", testSearchRunsPaging},
		{"MetricHistory", testMetricHistory},
		{"BulkInterval", testBulkInterval},
		{"Concurrency", testConcurrency},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, newSvc) })
	}
}

func TestTrackingSQLite(t *testing.T) { testSuite(t, newSQLiteService) }

func TestTrackingSQLiteMemory(t *testing.T) { testSuite(t, newMemoryService) }

// mustCreateExperiment creates an experiment or fails the test.
func mustCreateExperiment(tb testing.TB, svc tracking.Service, name string, tags ...tracking.Tag) string {
	tb.Helper()
	id, err := svc.CreateExperiment(context.Background(), name, "", tags)
	if err != nil {
		tb.Fatalf("CreateExperiment(%q): %v", name, err)
	}
	return id
}

// mustCreateRun creates a run or fails the test.
func mustCreateRun(tb testing.TB, svc tracking.Service, c tracking.RunCreate) *tracking.Run {
	tb.Helper()
	r, err := svc.CreateRun(context.Background(), c)
	if err != nil {
		tb.Fatalf("CreateRun(%+v): %v", c, err)
	}
	return r
}

// mustGetRun gets a run or fails the test.
func mustGetRun(tb testing.TB, svc tracking.Service, id string) *tracking.Run {
	tb.Helper()
	r, err := svc.GetRun(context.Background(), id)
	if err != nil {
		tb.Fatalf("GetRun(%q): %v", id, err)
	}
	return r
}

// tagMap returns tags as a map.
func tagMap(tags []tracking.Tag) map[string]string {
	m := map[string]string{}
	for _, t := range tags {
		m[t.Key] = t.Value
	}
	return m
}
