//go:build unix

package sqlstore

import (
	"syscall"
	"testing"
	"time"
)

// reportCPU reports the process CPU time (user + system) per operation
// spent from now to the end of b. On a machine shared with other work the
// wall-clock ns/op stretches with the load, the CPU time much less.
//
// With WEIR_BENCH_PG_DATA set to the data directory of the PostgreSQL
// cluster the benchmark uses, it also reports that server's CPU time per
// operation as pg-cpu-ms/op (Linux only).
func reportCPU(b *testing.B) {
	start := cpuTime()
	pgStart, pgOK := serverCPU()
	b.Cleanup(func() {
		if b.N == 0 {
			return
		}
		b.ReportMetric(float64((cpuTime()-start).Microseconds())/1000/float64(b.N), "cpu-ms/op")
		if pgEnd, ok := serverCPU(); ok && pgOK {
			b.ReportMetric(float64((pgEnd-pgStart).Microseconds())/1000/float64(b.N), "pg-cpu-ms/op")
		}
	})
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
