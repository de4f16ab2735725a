//go:build !linux

package sqlstore

import "time"

// serverCPU is only measured on Linux, through /proc.
func serverCPU() (time.Duration, bool) { return 0, false }
