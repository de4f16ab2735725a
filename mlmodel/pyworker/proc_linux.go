package pyworker

import "syscall"

// sysProcAttr puts a worker in a process group of its own, and has the
// kernel kill it if Weir dies without stopping it.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
