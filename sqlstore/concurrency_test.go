package sqlstore

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/weir-ml/weir/tracking"
)

// testConcurrency has many goroutines create runs, log batches and read at
// once: with one writer connection and a read pool nothing may fail with
// "database is locked".
func testConcurrency(t *testing.T, newSvc newServiceFunc) {
	ctx := context.Background()
	svc := newSvc(t)
	exp := mustCreateExperiment(t, svc, "busy")
	const workers, runsEach, batches = 16, 5, 4
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range runsEach {
				run, err := svc.CreateRun(ctx, tracking.RunCreate{ExperimentID: exp, RunName: fmt.Sprintf("w%d-r%d", w, r)})
				if err != nil {
					errs <- err
					return
				}
				for b := range batches {
					ms := make([]tracking.Metric, 50)
					for i := range ms {
						ms[i] = tracking.Metric{Key: "m", Value: float64(i), Timestamp: int64(b), Step: int64(b*50 + i)}
					}
					if err := svc.LogBatch(ctx, run.Info.RunID, ms, []tracking.Param{{Key: fmt.Sprintf("p%d", b), Value: "v"}}, nil); err != nil {
						errs <- err
						return
					}
					if _, _, err := svc.SearchRuns(ctx, tracking.RunSearch{ExperimentIDs: []string{exp}, Filter: "metrics.m >= 0", MaxResults: 10}); err != nil {
						errs <- err
						return
					}
					if _, err := svc.GetRun(ctx, run.Info.RunID); err != nil {
						errs <- err
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent call: %v", err)
	}
	runs, _, err := svc.SearchRuns(ctx, tracking.RunSearch{ExperimentIDs: []string{exp}, Filter: "metrics.m = 49", MaxResults: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != workers*runsEach {
		t.Errorf("%d runs with latest m = 49, want %d", len(runs), workers*runsEach)
	}
	for _, r := range runs {
		if len(r.Data.Params) != batches || r.Data.Metrics[0].Step != batches*50-1 {
			t.Errorf("run %s: %d params, latest %+v", r.Info.RunName, len(r.Data.Params), r.Data.Metrics)
		}
	}
}
