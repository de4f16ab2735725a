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
func reportCPU(b *testing.B) {
	start := cpuTime()
	b.Cleanup(func() {
		if b.N > 0 {
			b.ReportMetric(float64((cpuTime()-start).Microseconds())/1000/float64(b.N), "cpu-ms/op")
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
