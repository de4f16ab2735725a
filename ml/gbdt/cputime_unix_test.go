//go:build unix

package gbdt

import (
	"syscall"
	"time"
)

// processCPU returns the CPU time this process has used. Benchmarks report
// it besides wall time because the shared CI machines are oversubscribed,
// which inflates wall time but not CPU time.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
