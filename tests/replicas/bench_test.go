package replicas_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"
)

// BenchmarkReplicas measures issue 17's coordination bar: the same load
// through HAProxy to 1 replica and to 3 replicas on this machine, each run
// on a fresh database with clean buffers, in alternating rounds so that a
// change in the machine's other load hits both alike. Two loads: 32
// writers alone ("writes": create run, log batch, a model version every
// fourth time), and 32 writers with 16 readers ("mixed", the kill test's
// load), and a control with no database and nothing to coordinate: 32
// clients asking /health, which shows what running 3 processes instead of
// 1 costs by itself. The processes are set up for one shared machine (see
// haproxySettings), and each run begins with 2 s of its load and an ANALYZE.
// It reports the median acknowledged requests per second of each,
// their ratio, and PostgreSQL's statement time per request
// (pg_stat_database.active_time, which counts waits for locks too), which docs/scaling.md turns
// into a model of replicas on separate machines. The ratio is the median
// of each round's 3-replica rate over its 1-replica rate. Run it with
//
//	go test ./tests/replicas -run '^$' -bench Replicas -benchtime 1x
//
// WEIR_REPLICAS_BENCH_SECONDS sets each run's length (default 10) and
// WEIR_REPLICAS_BENCH_ROUNDS the rounds (default 3).
func BenchmarkReplicas(b *testing.B) {
	haproxy := needs(b)
	seconds, rounds := getenvInt("WEIR_REPLICAS_BENCH_SECONDS", 10), getenvInt("WEIR_REPLICAS_BENCH_ROUNDS", 3)
	for _, mix := range []struct {
		name                     string
		writers, readers, probes int
	}{{"writes", 32, 0, 0}, {"mixed", 32, 16, 0}, {"control", 0, 0, 32}} {
		b.Run(mix.name, func(b *testing.B) {
			for range b.N {
				rate := map[int][]float64{}
				dbms := map[int][]float64{}
				var ratios []float64
				for r := range rounds {
					// Rounds go 1 then 3, then 3 then 1, so that a drift
					// of the machine's speed hits both alike.
					order := []int{1, 3}
					if r%2 == 1 {
						order = []int{3, 1}
					}
					for _, n := range order {
						s := measure(b, haproxy, n, mix.writers, mix.readers, mix.probes, time.Duration(seconds)*time.Second)
						rate[n] = append(rate[n], s.rate)
						dbms[n] = append(dbms[n], s.dbms)
						b.Logf("round %d, %d replica(s): %.0f req/s (%.0f reads/s), %.3f ms of PostgreSQL statement time per request",
							r+1, n, s.rate, s.reads, s.dbms)
					}
					ratios = append(ratios, rate[3][r]/rate[1][r])
				}
				b.ReportMetric(median(rate[1]), "req/s-1")
				b.ReportMetric(median(rate[3]), "req/s-3")
				b.ReportMetric(median(ratios), "ratio")
				b.ReportMetric(median(dbms[1]), "db-ms/req-1")
				b.ReportMetric(median(dbms[3]), "db-ms/req-3")
			}
		})
	}
}

type sample struct{ rate, reads, dbms float64 }

// measure runs one load against a fresh cluster of n replicas.
func measure(b *testing.B, haproxy string, n, writers, readers, probes int, d time.Duration) sample {
	c := startCluster(b, haproxy, n)
	defer c.dropDB()
	defer c.stop()
	ctx := context.Background()
	expID, err := setup(ctx, newClient(c.url()))
	if err != nil {
		b.Fatal(err)
	}
	// Each run starts as a database that has been in use does: with rows
	// in its tables and statistics on them. On tables never analyzed
	// PostgreSQL assumes any value matches 1 row in 200, so reading 20
	// runs' params by run looks like a fifth of the table and it plans a
	// sequential scan; autovacuum analyzes a new table within a minute,
	// which inside an 8-second run happens or not, and halved or doubled
	// the database time of the mixed load from one round to the next.
	if probes == 0 {
		wctx, wcancel := context.WithTimeout(ctx, 2*time.Second)
		(&load{}).run(wctx, c.url(), writers, readers, expID)
		wcancel()
		if err := c.analyze(ctx); err != nil {
			b.Fatal(err)
		}
	}
	// And with clean buffers: the run before dropped its database, and
	// what else is dirty is written out now. Otherwise the second run of a
	// pair pays for writing out the first one's pages.
	if _, err := c.adminDB.ExecContext(ctx, "CHECKPOINT"); err != nil {
		b.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond) // backends flush statistics when idle, at most once a second
	before, err := c.dbActiveTime(ctx)
	if err != nil {
		b.Fatal(err)
	}
	l := &load{}
	lctx, cancel := context.WithTimeout(ctx, d)
	cpu0 := c.cpu()
	start := time.Now()
	if probes > 0 {
		l.probe(lctx, c.url(), probes)
	} else {
		l.run(lctx, c.url(), writers, readers, expID)
	}
	elapsed := time.Since(start)
	cpu1 := c.cpu()
	cancel()
	time.Sleep(1500 * time.Millisecond)
	after, err := c.dbActiveTime(ctx)
	if err != nil {
		b.Fatal(err)
	}
	if len(l.failures) > 0 {
		b.Errorf("%d failed requests, first: %s: %v", len(l.failures), l.failures[0].op, l.failures[0].err)
	}
	ops := float64(l.ops.Load())
	b.Logf("%d replica(s): CPU per request: %s", n, cpu1.sub(cpu0).perRequest(ops))
	return sample{rate: ops / elapsed.Seconds(), reads: float64(l.reads.Load()) / elapsed.Seconds(), dbms: (after - before) / ops}
}

// median is the middle of xs, or the mean of the two middle values when
// there are evenly many.
func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	switch n := len(s); {
	case n == 0:
		return 0
	case n%2 == 0:
		return (s[n/2-1] + s[n/2]) / 2
	default:
		return s[n/2]
	}
}

func getenvInt(name string, def int) int {
	n := def
	if v := os.Getenv(name); v != "" {
		fmt.Sscan(v, &n)
	}
	return n
}
