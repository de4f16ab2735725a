//go:build unix

package pyworker

import (
	"os"
	"syscall"
)

// signalGroup sends SIGKILL (kill) or SIGTERM to the process group that a
// worker leads, so that processes the model started end with it.
func signalGroup(p *os.Process, kill bool) {
	sig := syscall.SIGTERM
	if kill {
		sig = syscall.SIGKILL
	}
	syscall.Kill(-p.Pid, sig)
}
