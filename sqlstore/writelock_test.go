package sqlstore

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	weir "github.com/weir-ml/weir"
	"github.com/weir-ml/weir/registry"
	"github.com/weir-ml/weir/tracking"
)

// TestCreateRunReturnsStoredRun checks that the run CreateRun builds from
// what it inserted, without reading it back, is the run GetRun reads.
func TestCreateRunReturnsStoredRun(t *testing.T) {
	for _, store := range []struct {
		name string
		open func(testing.TB) *DB
	}{{"sqlite", func(tb testing.TB) *DB { return mustOpen(tb, "sqlite:///:memory:") }}, {"postgres", MustOpenPostgres}} {
		t.Run(store.name, func(t *testing.T) {
			ctx := context.Background()
			svc := NewTrackingService(store.open(t))
			exp, err := svc.CreateExperiment(ctx, "e", "s3://bucket/e", nil)
			if err != nil {
				t.Fatal(err)
			}
			long := strings.Repeat("x", tracking.MaxTagValueLength+10)
			for _, c := range []tracking.RunCreate{
				{ExperimentID: exp},
				{ExperimentID: exp, UserID: "u", RunName: "named", StartTime: 1234},
				{ExperimentID: "0", Tags: []tracking.Tag{{Key: "b", Value: "1"}, {Key: "a", Value: "2"}, {Key: "b", Value: "3"}, {Key: "long", Value: long}}},
				{ExperimentID: exp, Tags: []tracking.Tag{{Key: runNameTag, Value: "from-tag"}, {Key: "Z", Value: ""}}},
			} {
				got, err := svc.CreateRun(ctx, c)
				if err != nil {
					t.Fatal(err)
				}
				want, err := svc.GetRun(ctx, got.Info.RunID)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("CreateRun(%+v) = %+v, GetRun = %+v", c, *got, *want)
				}
			}
		})
	}
}

// TestCreateModelVersionReturnsStoredVersion checks that the version
// CreateModelVersion builds from what it inserted, without reading it back,
// is the version GetModelVersion reads.
func TestCreateModelVersionReturnsStoredVersion(t *testing.T) {
	for _, store := range []struct {
		name string
		open func(testing.TB) *DB
	}{{"sqlite", func(tb testing.TB) *DB { return mustOpen(tb, "sqlite:///:memory:") }}, {"postgres", MustOpenPostgres}} {
		t.Run(store.name, func(t *testing.T) {
			ctx := context.Background()
			db := store.open(t)
			reg, tr := NewRegistryService(db), NewTrackingService(db)
			if _, err := reg.CreateRegisteredModel(ctx, "m", "", nil); err != nil {
				t.Fatal(err)
			}
			run, err := tr.CreateRun(ctx, tracking.RunCreate{})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range []registry.VersionCreate{
				{Name: "m", Source: "s3://b/m"},
				{Name: "m", Source: "s3://b/m2", Description: "d", RunLink: "http://x/run", RunID: run.Info.RunID,
					Tags: []registry.Tag{{Key: "z", Value: "1"}, {Key: "a", Value: "2"}, {Key: "z", Value: "3"}}},
				{Name: "m", Source: "runs:/" + run.Info.RunID + "/model"},
			} {
				got, err := reg.CreateModelVersion(ctx, c)
				if err != nil {
					t.Fatal(err)
				}
				want, err := reg.GetModelVersion(ctx, got.Name, got.Version)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("CreateModelVersion(%+v) = %+v, GetModelVersion = %+v", c, *got, *want)
				}
			}
		})
	}
}

// TestRowWritesConcurrentPostgres runs the writes that take no writer lock
// (rowWriteTx) from many goroutines on three stores sharing one schema, as
// three replicas would, racing each other and the locked writers that change
// what they check: write-once params keep exactly one value, the latest
// metric is the greatest step, renames through tags do not deadlock, an
// older point (LogMetric) leaves the latest value alone, and no
// active run is created in or logged to after a deletion.
func TestRowWritesConcurrentPostgres(t *testing.T) {
	uri := mustPostgresSchema(t)
	ctx := context.Background()
	var svcs []*TrackingService
	for range 3 {
		svcs = append(svcs, NewTrackingService(mustOpen(t, uri)))
	}
	exp, err := svcs[0].CreateExperiment(ctx, "shared", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	run, err := svcs[0].CreateRun(ctx, tracking.RunCreate{ExperimentID: exp})
	if err != nil {
		t.Fatal(err)
	}
	id := run.Info.RunID

	// Every worker logs every key once, with a value of its own: exactly one
	// worker's value per key may be accepted, and it is the one stored.
	const workers, keys = 12, 8
	var mu sync.Mutex
	accepted := map[string][]string{}
	var wg sync.WaitGroup
	errs := make(chan error, workers*keys*3)
	for w := range workers {
		wg.Go(func() {
			svc := svcs[w%len(svcs)]
			for k := range keys {
				key, val := "p"+strconv.Itoa(k), "w"+strconv.Itoa(w)
				var err error
				if w%2 == 0 {
					err = svc.LogParam(ctx, id, tracking.Param{Key: key, Value: val})
				} else {
					err = svc.LogBatch(ctx, id, nil, []tracking.Param{{Key: key, Value: val}}, nil)
				}
				switch {
				case err == nil:
					mu.Lock()
					accepted[key] = append(accepted[key], val)
					mu.Unlock()
				case weir.ErrorCode(err) != weir.ErrInvalidParameterValue || !strings.Contains(err.Error(), "Changing param values is not allowed"):
					errs <- fmt.Errorf("worker %d, param %s: %w", w, key, err)
				}
				// Keys in an order of the worker's own: rows must still be
				// locked in one order, or two batches deadlock.
				ms := []tracking.Metric{{Key: "m", Value: float64(w), Timestamp: 1, Step: int64(w*keys + k)}}
				ts := []tracking.Tag{{Key: "t", Value: val}}
				if w%3 == 0 {
					ts = append(ts, tracking.Tag{Key: runNameTag, Value: val})
				}
				for _, x := range []string{"x", "y", "z"} {
					ms = append(ms, tracking.Metric{Key: x, Value: float64(w), Timestamp: 1, Step: int64(k)})
					ts = append(ts, tracking.Tag{Key: x, Value: val})
				}
				if w%2 == 1 {
					slices.Reverse(ms)
					slices.Reverse(ts)
				}
				if err := svc.LogBatch(ctx, id, ms, nil, ts); err != nil {
					errs <- fmt.Errorf("worker %d, metric and rename: %w", w, err)
				}
				if err := svc.SetTag(ctx, id, tracking.Tag{Key: runNameTag, Value: val}); err != nil {
					errs <- fmt.Errorf("worker %d, set tag: %w", w, err)
				}
				if err := svc.LogMetric(ctx, id, tracking.Metric{Key: "x", Value: -1, Timestamp: 0, Step: -1}); err != nil {
					errs <- fmt.Errorf("worker %d, log metric: %w", w, err)
				}
				if err := svc.DeleteTag(ctx, id, "y"); err != nil && weir.ErrorCode(err) != weir.ErrResourceDoesNotExist {
					errs <- fmt.Errorf("worker %d, delete tag: %w", w, err)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	got, err := svcs[1].GetRun(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]string{}
	for _, p := range got.Data.Params {
		stored[p.Key] = p.Value
	}
	for k := range keys {
		key := "p" + strconv.Itoa(k)
		if len(accepted[key]) != 1 || stored[key] != accepted[key][0] {
			t.Errorf("param %s: accepted values %s, stored %q; want one accepted value, stored", key, strings.Join(accepted[key], ", "), stored[key])
		}
	}
	if len(got.Data.Metrics) != 4 || got.Data.Metrics[0].Key != "m" || got.Data.Metrics[0].Step != workers*keys-1 {
		t.Errorf("latest metrics %+v, want m at step %d first of 4", got.Data.Metrics, workers*keys-1)
	}
	for _, m := range got.Data.Metrics[min(1, len(got.Data.Metrics)):] {
		if m.Step != keys-1 {
			t.Errorf("latest %s at step %d, want %d", m.Key, m.Step, keys-1)
		}
	}

	// Runs created and logged to while their experiment is deleted: every
	// acknowledged run and batch is there, and no run of the deleted
	// experiment is left active.
	doomed, err := svcs[0].CreateExperiment(ctx, "doomed", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	type logged struct {
		run  string
		step int64
	}
	var acked []logged
	started := make(chan struct{})
	errs = make(chan error, 1000)
	for w := range workers {
		wg.Go(func() {
			svc := svcs[w%len(svcs)]
			for i := 0; ; i++ {
				if i == 2 && w == 0 {
					close(started)
				}
				r, err := svc.CreateRun(ctx, tracking.RunCreate{ExperimentID: doomed})
				if err != nil {
					if !strings.Contains(err.Error(), "must be in the 'active' state") {
						errs <- fmt.Errorf("worker %d, create run: %w", w, err)
					}
					return
				}
				for s := range int64(3) {
					err := svc.LogBatch(ctx, r.Info.RunID, []tracking.Metric{{Key: "m", Value: 1, Timestamp: 1, Step: s}}, nil, nil)
					if err != nil {
						if !strings.Contains(err.Error(), "must be in the 'active' state") {
							errs <- fmt.Errorf("worker %d, log batch: %w", w, err)
						}
						return
					}
					mu.Lock()
					acked = append(acked, logged{r.Info.RunID, s})
					mu.Unlock()
				}
			}
		})
	}
	<-started
	if err := svcs[2].DeleteExperiment(ctx, doomed); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	var active, total int
	err = svcs[0].db.readTx(ctx, func(tx *txn) error {
		return tx.scanOne(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN lifecycle_stage = 'active' THEN 1 ELSE 0 END), 0) FROM runs WHERE experiment_id = ?`,
			[]any{mustParseInt(t, doomed)}, &total, &active)
	})
	if err != nil {
		t.Fatal(err)
	}
	if active != 0 || total == 0 {
		t.Errorf("deleted experiment holds %d runs, %d active; want some, none active", total, active)
	}
	for _, a := range acked {
		var n int
		err := svcs[1].db.readTx(ctx, func(tx *txn) error {
			return tx.scanOne(ctx, `SELECT COUNT(*) FROM metrics WHERE run_uuid = ? AND key = 'm' AND step = ?`, []any{a.run, a.step}, &n)
		})
		if err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("run %s: acknowledged metric at step %d stored %d times, want once", a.run, a.step, n)
		}
	}
	t.Logf("%d runs created around the deletion, %d acknowledged batches", total, len(acked))
}

func mustParseInt(tb testing.TB, s string) int64 {
	tb.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		tb.Fatal(err)
	}
	return n
}
