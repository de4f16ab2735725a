package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// stopWithParent makes weir receive SIGTERM when it runs under `go run`
// and the go command exits. `go run ./cmd/weir server &` followed by
// `kill %1` signals only the go command, which dies without passing the
// signal on; without this its compiled child would keep serving, and
// holding the port, with no parent. Under any other parent (a shell,
// nohup, systemd) weir outlives it as a program should.
func stopWithParent() {
	ppid := os.Getppid()
	if !underGoRun(ppid) {
		return
	}
	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, syscall.PR_SET_PDEATHSIG, uintptr(syscall.SIGTERM), 0); errno != 0 {
		return
	}
	// The go command may have exited before the request took effect.
	if os.Getppid() != ppid {
		syscall.Kill(os.Getpid(), syscall.SIGTERM)
	}
}

// underGoRun reports whether ppid is the go command and this executable
// one it built into its temporary work directory.
func underGoRun(ppid int) bool {
	exe, err := os.Executable()
	if err != nil || !strings.Contains(exe, string(filepath.Separator)+"go-build") {
		return false
	}
	comm, err := os.ReadFile("/proc/" + strconv.Itoa(ppid) + "/comm")
	return err == nil && strings.TrimSpace(string(comm)) == "go"
}
