package pyworker

import (
	"os"
	"syscall"
)

// sysProcAttr has nothing to set on Windows.
func sysProcAttr() *syscall.SysProcAttr { return nil }

// signalGroup kills the worker; Windows has no SIGTERM to send first.
func signalGroup(p *os.Process, kill bool) { p.Kill() }
