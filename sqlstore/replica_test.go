package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	pgtest "github.com/weir-ml/weir/tests/postgres"
	"github.com/weir-ml/weir/tracking"
)

// syncBuffer is a log destination the server's goroutines may share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// openWithReplica opens a DB on a fresh schema of the pair's primary, with
// the replica as its read replica, logging to log.
func openWithReplica(tb testing.TB, p *pgtest.Pair, log *syncBuffer) *DB {
	tb.Helper()
	_, primary, replica := p.Schema(tb)
	db := NewDB(primary)
	db.ReadReplicaURI = replica
	db.ReplicaRetry = 200 * time.Millisecond
	db.ReplicaWait = time.Second // generous: the machine running the tests is shared
	if log == nil {
		log = &syncBuffer{}
	}
	db.Logger = slog.New(slog.NewTextHandler(log, nil))
	if err := db.Open(context.Background()); err != nil {
		tb.Fatalf("Open with read replica: %v", err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return db
}

// TestReplicaSuite runs the tracking and registry suites with reads on a
// streaming replica: every one of their writes is read back at once, so any
// read that missed a write committed before it would fail them.
func TestReplicaSuite(t *testing.T) {
	p := pgtest.StartPair(t)
	var mu sync.Mutex
	var replicas []*replica // kept: Close forgets them
	newDB := func(tb testing.TB) *DB {
		db := openWithReplica(tb, p, nil)
		mu.Lock()
		replicas = append(replicas, db.replica)
		mu.Unlock()
		return db
	}
	t.Run("Tracking", func(t *testing.T) {
		testSuite(t, func(tb testing.TB) tracking.Service { return NewTrackingService(newDB(tb)) })
	})
	t.Run("Registry", func(t *testing.T) { registrySuite(t, newDB) })
	var onReplica, onPrimary int64
	for _, r := range replicas {
		onReplica += r.replicaReads.Load()
		onPrimary += r.primaryReads.Load()
	}
	// The suites' reads all could run on the replica; some may fall back
	// when a busy machine stalls the replica past ReplicaWait.
	if onReplica == 0 || onPrimary > onReplica/4 {
		t.Errorf("reads on the replica: %d, on the primary: %d; want nearly all on the replica", onReplica, onPrimary)
	}
	t.Logf("reads on the replica: %d, on the primary: %d", onReplica, onPrimary)
}

func (db *DB) replicaReadCount() int64 { return db.replica.replicaReads.Load() }
func (db *DB) primaryReadCount() int64 { return db.replica.primaryReads.Load() }

// TestReplicaReadYourWrites logs a metric and reads the run back at once,
// 200 times: each read must see the metric just written.
func TestReplicaReadYourWrites(t *testing.T) {
	p := pgtest.StartPair(t)
	db := openWithReplica(t, p, nil)
	svc := NewTrackingService(db)
	ctx := context.Background()
	run := mustCreateRun(t, svc, tracking.RunCreate{ExperimentID: "0"})
	for i := range 200 {
		if err := svc.LogMetric(ctx, run.Info.RunID, tracking.Metric{Key: "m", Value: float64(i), Timestamp: 1, Step: int64(i)}); err != nil {
			t.Fatal(err)
		}
		r := mustGetRun(t, svc, run.Info.RunID)
		if got := latestValue(r, "m"); got != float64(i) {
			t.Fatalf("write %d: the run read back has m = %v, want %d", i, got, i)
		}
	}
	// Some may fall back when a busy machine stalls the replica.
	if got := db.replicaReadCount(); got < 100 {
		t.Errorf("reads served by the replica: got %d of 200, want at least 100", got)
	}
}

// TestReplicaTwoProcesses writes through one store and reads through
// another on the same database, as two Weir processes behind a load
// balancer would serve one client, from 8 clients at once: each read must
// see its client's write, though the reading store never saw the write.
func TestReplicaTwoProcesses(t *testing.T) {
	p := pgtest.StartPair(t)
	_, primary, replica := p.Schema(t)
	open := func() *DB {
		db := NewDB(primary)
		db.ReadReplicaURI = replica
		db.ReplicaWait = time.Second
		db.Logger = slog.New(slog.NewTextHandler(&syncBuffer{}, nil))
		if err := db.Open(context.Background()); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	writer, reader := NewTrackingService(open()), NewTrackingService(open())
	ctx := context.Background()
	const clients, each = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for range clients {
		run := mustCreateRun(t, writer, tracking.RunCreate{ExperimentID: "0"})
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				if err := writer.LogMetric(ctx, run.Info.RunID, tracking.Metric{Key: "m", Value: float64(i), Timestamp: 1, Step: int64(i)}); err != nil {
					errs <- err
					return
				}
				r, err := reader.GetRun(ctx, run.Info.RunID)
				if err != nil {
					errs <- err
					return
				}
				if got := latestValue(r, "m"); got != float64(i) {
					errs <- fmt.Errorf("run %s, write %d: the other store read m = %v", run.Info.RunID, i, got)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := reader.db.replica.replicaReads.Load(); got < clients*each/2 {
		t.Errorf("reads served by the replica: got %d of %d, want at least half", got, clients*each)
	}
}

// latestValue returns the run's latest value of metric key, or -1.
func latestValue(r *tracking.Run, key string) float64 {
	for _, m := range r.Data.Metrics {
		if m.Key == key {
			return m.Value
		}
	}
	return -1
}

// settledScans returns the scans of the runs table once the count has held
// still for half a second: the backends of a closed store report theirs as
// they exit, which takes a moment on a busy machine.
func settledScans(tb testing.TB, uri, schema string) int64 {
	tb.Helper()
	last := pgtest.TableScans(tb, uri, schema, "runs")
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		time.Sleep(500 * time.Millisecond)
		n := pgtest.TableScans(tb, uri, schema, "runs")
		if n == last {
			return n
		}
		last = n
	}
	return last
}

// TestReplicaServesReads checks on both servers' own statistics that
// searches with no recent write scan the runs table on the replica only.
// The stores are closed before the counts are read: see TableScans.
func TestReplicaServesReads(t *testing.T) {
	p := pgtest.StartPair(t)
	schema, primary, replica := p.Schema(t)
	ctx := context.Background()

	writer := NewDB(primary)
	if err := writer.Open(ctx); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		mustCreateRun(t, NewTrackingService(writer), tracking.RunCreate{ExperimentID: "0"})
	}
	writer.Close()
	primary0 := settledScans(t, p.Primary, schema)
	replica0 := pgtest.TableScans(t, p.Replica, schema, "runs")

	db := NewDB(primary)
	db.ReadReplicaURI = replica
	db.ReplicaWait = time.Second
	if err := db.Open(ctx); err != nil {
		t.Fatal(err)
	}
	svc := NewTrackingService(db)
	const searches = 50
	for range searches {
		runs, _, err := svc.SearchRuns(ctx, tracking.RunSearch{ExperimentIDs: []string{"0"}, MaxResults: 100})
		if err != nil {
			db.Close()
			t.Fatal(err)
		}
		if len(runs) != 5 {
			db.Close()
			t.Fatalf("SearchRuns: got %d runs, want 5", len(runs))
		}
	}
	onPrimary := db.primaryReadCount()
	db.Close()
	var primary1, replica1 int64
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		time.Sleep(200 * time.Millisecond)
		if replica1 = pgtest.TableScans(t, p.Replica, schema, "runs"); replica1-replica0 >= searches {
			break
		}
	}
	primary1 = settledScans(t, p.Primary, schema)
	if got := replica1 - replica0; got < searches {
		t.Errorf("scans of runs on the replica during %d searches: got %d, want at least %d", searches, got, searches)
	}
	if got := primary1 - primary0; got != 0 {
		t.Errorf("scans of runs on the primary during %d searches: got %d, want 0", searches, got)
	}
	if onPrimary != 0 {
		t.Errorf("read transactions on the primary: got %d, want 0", onPrimary)
	}
}

// TestReplicaStopped stops the replica under a store that uses it: reads go
// on, on the primary, the outage is logged once, and reads return to the
// replica once it is back.
func TestReplicaStopped(t *testing.T) {
	p := pgtest.StartPair(t)
	var log syncBuffer
	db := openWithReplica(t, p, &log)
	svc := NewTrackingService(db)
	ctx := context.Background()
	run := mustCreateRun(t, svc, tracking.RunCreate{ExperimentID: "0"})
	mustGetRun(t, svc, run.Info.RunID)
	if db.replicaReadCount() == 0 {
		t.Fatalf("no read on the replica before it stopped")
	}

	p.StopReplica(t)
	deadline := time.Now().Add(time.Second) // several ReplicaRetry periods
	i := 0
	for ; time.Now().Before(deadline); i++ {
		if err := svc.LogMetric(ctx, run.Info.RunID, tracking.Metric{Key: "m", Value: float64(i), Timestamp: 1, Step: int64(i)}); err != nil {
			t.Fatal(err)
		}
		if got := latestValue(mustGetRun(t, svc, run.Info.RunID), "m"); got != float64(i) {
			t.Fatalf("replica stopped, read %d: m = %v, want %d", i, got, i)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got := strings.Count(log.String(), "read replica unavailable"); got != 1 {
		t.Errorf("outage logged %d times in %d reads, want once:\n%s", got, i, log.String())
	}
	if db.primaryReadCount() < int64(i) {
		t.Errorf("reads on the primary while the replica was stopped: got %d, want %d", db.primaryReadCount(), i)
	}

	p.StartReplica(t)
	before := db.replicaReadCount()
	deadline = time.Now().Add(30 * time.Second)
	for db.replicaReadCount() == before && time.Now().Before(deadline) {
		mustGetRun(t, svc, run.Info.RunID)
		time.Sleep(50 * time.Millisecond)
	}
	if db.replicaReadCount() == before {
		t.Fatalf("no read on the replica within 30 s of its restart; log:\n%s", log.String())
	}
	if !strings.Contains(log.String(), "read replica serves reads again") {
		t.Errorf("the replica's return was not logged:\n%s", log.String())
	}
}

// TestReplicaFrozen freezes the replica's processes (SIGSTOP), as a network
// that drops packets would leave it: reads must give up on it within the
// bound on a look at its replay position and run on the primary.
func TestReplicaFrozen(t *testing.T) {
	p := pgtest.StartPair(t)
	var log syncBuffer
	db := openWithReplica(t, p, &log)
	svc := NewTrackingService(db)
	run := mustCreateRun(t, svc, tracking.RunCreate{ExperimentID: "0"})
	mustGetRun(t, svc, run.Info.RunID)

	// Every connection slot connected, so that the reads below meet open
	// connections that no longer answer, not only new ones that time out.
	ctx := context.Background()
	r := db.replica
	slots := make([]*conn, r.n)
	for i := range slots {
		slots[i] = <-r.conns
		if _, err := r.replayed(ctx, slots[i]); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range slots {
		r.conns <- c
	}

	p.FreezeReplica(t)
	thawed := false
	thaw := func() {
		if !thawed {
			p.ThawReplica(t)
			thawed = true
		}
	}
	defer thaw() // before the pair is stopped
	start := time.Now()
	for range 5 {
		mustGetRun(t, svc, run.Info.RunID)
	}
	// One read gives up on the replica after replicaConnectTimeout; the
	// others, within ReplicaRetry, go straight to the primary.
	if took := time.Since(start); took > 2*replicaConnectTimeout {
		t.Errorf("5 reads with the replica frozen took %v, want under %v", took, 2*replicaConnectTimeout)
	}
	if got := db.primaryReadCount(); got != 5 {
		t.Errorf("reads on the primary with the replica frozen: got %d, want 5", got)
	}
	if got := strings.Count(log.String(), "read replica unavailable"); got != 1 {
		t.Errorf("outage logged %d times, want once:\n%s", got, log.String())
	}
	thaw()
}

// TestReplicaLagging pauses the replica's WAL replay: a read after a write
// waits ReplicaWait, then runs on the primary and sees the write.
func TestReplicaLagging(t *testing.T) {
	p := pgtest.StartPair(t)
	var log syncBuffer
	db := openWithReplica(t, p, &log)
	db.replica.wait = 50 * time.Millisecond
	svc := NewTrackingService(db)
	ctx := context.Background()
	run := mustCreateRun(t, svc, tracking.RunCreate{ExperimentID: "0"})

	admin, err := sql.Open("pgx", p.Replica)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec("SELECT pg_wal_replay_pause()"); err != nil {
		t.Fatal(err)
	}
	defer admin.Exec("SELECT pg_wal_replay_resume()")
	if err := svc.LogMetric(ctx, run.Info.RunID, tracking.Metric{Key: "m", Value: 7, Timestamp: 1}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if got := latestValue(mustGetRun(t, svc, run.Info.RunID), "m"); got != 7 {
		t.Fatalf("replay paused: m = %v, want 7", got)
	}
	if took := time.Since(start); took < 50*time.Millisecond {
		t.Errorf("the read took %v, want at least the 50 ms ReplicaWait", took)
	}
	if !strings.Contains(log.String(), "lagging") {
		t.Errorf("the lag was not logged:\n%s", log.String())
	}
	// Within ReplicaRetry, reads go straight to the primary: they do not
	// even look at the replica's replay position.
	onReplica, onPrimary := db.replicaReadCount(), db.primaryReadCount()
	sent := db.replica.fences.sent.Load()
	mustGetRun(t, svc, run.Info.RunID)
	if got := db.replicaReadCount(); got != onReplica {
		t.Errorf("reads on the replica right after it lagged: got %d more, want none", got-onReplica)
	}
	if got := db.primaryReadCount(); got != onPrimary+1 {
		t.Errorf("reads on the primary right after the replica lagged: got %d more, want 1", got-onPrimary)
	}
	if got := db.replica.fences.sent.Load(); got != sent {
		t.Errorf("fence queries for a read while the replica is skipped: got %d, want 0", got-sent)
	}
}

// TestReplicaRefused opens stores whose read replica is not a standby of the
// backend store: Open must fail and say why.
func TestReplicaRefused(t *testing.T) {
	p := pgtest.StartPair(t)
	_, primary, replica := p.Schema(t)
	other := strings.Replace(replica, "search_path=", "search_path=public%2C", 1)
	tests := []struct {
		name, uri, replica, want string
	}{
		{"primary as replica", primary, primary, "not a standby"},
		{"other search_path", primary, other, "search_path"},
		{"SQLite store", "sqlite:///:memory:", replica, "needs a PostgreSQL backend store"},
		{"not a URI", primary, "mysql://h/db", "not a PostgreSQL URI"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := NewDB(tt.uri)
			db.ReadReplicaURI = tt.replica
			err := db.Open(context.Background())
			if err == nil {
				db.Close()
				t.Fatalf("Open: got no error, want one containing %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Open: got %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestPageStart(t *testing.T) {
	const seg = 16 << 20
	tests := []struct {
		lsn, want int64
	}{
		{3*seg + 40, 3 * seg},             // after a segment's long header
		{3*seg + 8192 + 24, 3*seg + 8192}, // after a page's short header
		{3*seg + 8192 + 48, 3*seg + 8192 + 48},
		{3*seg + 40 + 8, 3*seg + 48},
		{3 * seg, 3 * seg},
		{3*seg + 8192 + 40, 3*seg + 8192 + 40}, // a record's end, not a header
	}
	// 16 kB pages: 8 kB + 24 is the middle of one.
	if got, want := pageStart(3*seg+8192+24, seg, 16384), int64(3*seg+8192+24); got != want {
		t.Errorf("pageStart(%s) with 16 kB pages = %s, want %s", formatLSN(3*seg+8192+24), formatLSN(got), formatLSN(want))
	}
	for _, tt := range tests {
		if got := pageStart(tt.lsn, seg, 8192); got != tt.want {
			t.Errorf("pageStart(%s) = %s, want %s", formatLSN(tt.lsn), formatLSN(got), formatLSN(tt.want))
		}
	}
}

// BenchmarkReplicaGetRun measures what the WAL fence adds to a small read:
// GetRun on the primary alone, then on the replica behind the fence.
func BenchmarkReplicaGetRun(b *testing.B) {
	p := pgtest.StartPair(b)
	_, primary, replica := p.Schema(b)
	ctx := context.Background()
	for _, tt := range []struct{ name, replica string }{{"primary", ""}, {"replica", replica}} {
		b.Run(tt.name, func(b *testing.B) {
			db := NewDB(primary)
			db.ReadReplicaURI = tt.replica
			db.Logger = slog.New(slog.DiscardHandler)
			if err := db.Open(ctx); err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			svc := NewTrackingService(db)
			run := mustCreateRun(b, svc, tracking.RunCreate{ExperimentID: "0"})
			b.ResetTimer()
			for b.Loop() {
				if _, err := svc.GetRun(ctx, run.Info.RunID); err != nil {
					b.Fatal(err)
				}
			}
			if db.replica != nil && db.replica.primaryReads.Load() > 0 {
				b.Errorf("%d reads fell back to the primary", db.replica.primaryReads.Load())
			}
		})
	}
}

// BenchmarkReplicaGetRunParallel reads from 16 goroutines at once, and
// reports how many fence queries the primary answered per read.
func BenchmarkReplicaGetRunParallel(b *testing.B) {
	p := pgtest.StartPair(b)
	_, primary, replica := p.Schema(b)
	ctx := context.Background()
	for _, tt := range []struct{ name, replica string }{{"primary", ""}, {"replica", replica}} {
		b.Run(tt.name, func(b *testing.B) {
			db := NewDB(primary)
			db.ReadReplicaURI = tt.replica
			db.Logger = slog.New(slog.DiscardHandler)
			if err := db.Open(ctx); err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			svc := NewTrackingService(db)
			run := mustCreateRun(b, svc, tracking.RunCreate{ExperimentID: "0"})
			b.SetParallelism(8) // 16 goroutines on 2 CPUs
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := svc.GetRun(ctx, run.Info.RunID); err != nil {
						b.Error(err)
						return
					}
				}
			})
			if r := db.replica; r != nil {
				b.ReportMetric(float64(r.fences.sent.Load())/float64(r.replicaReads.Load()+r.primaryReads.Load()), "fences/read")
			}
		})
	}
}
