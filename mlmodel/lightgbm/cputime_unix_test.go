//go:build unix

package lightgbm

import (
	"syscall"
	"time"
)

// processCPU returns the CPU time this process has used: benchmarks report
// it besides wall time, which the shared machines inflate.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
