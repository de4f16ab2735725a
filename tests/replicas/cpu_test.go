package replicas_test

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// cpuTimes is the CPU time the machine and the cluster's processes had
// used at one moment: where a request's time goes, by process.
type cpuTimes struct {
	machine, weir, haproxy, clients time.Duration
}

// clockTick is the unit of /proc's CPU times (USER_HZ, 100 on Linux).
const clockTick = 10 * time.Millisecond

// cpu reads the CPU time used so far by the whole machine (from
// /proc/stat), by the replicas, by HAProxy and by this test process (the
// clients). What is left of the machine's is PostgreSQL, versitygw and
// anything else running.
func (c *cluster) cpu() cpuTimes {
	var t cpuTimes
	if b, err := os.ReadFile("/proc/stat"); err == nil {
		line, _, _ := strings.Cut(string(b), "\n")
		f := strings.Fields(line)
		for i := 1; i < len(f) && i <= 8; i++ {
			if i == 4 || i == 5 { // idle, iowait
				continue
			}
			n, _ := strconv.ParseInt(f[i], 10, 64)
			t.machine += time.Duration(n) * clockTick
		}
	}
	for _, p := range c.procs {
		if p != nil && p.Process != nil {
			t.weir += procCPU(p.Process.Pid)
		}
	}
	if c.lb != nil && c.lb.Process != nil {
		t.haproxy = procCPU(c.lb.Process.Pid)
	}
	t.clients = procCPU(os.Getpid())
	return t
}

// procCPU is a process's user and system time from /proc/PID/stat.
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name may hold spaces; the fields after it are plain.
	_, rest, ok := strings.Cut(string(b), ") ")
	if !ok {
		return 0
	}
	f := strings.Fields(rest)
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * clockTick
}

func (a cpuTimes) sub(b cpuTimes) cpuTimes {
	return cpuTimes{a.machine - b.machine, a.weir - b.weir, a.haproxy - b.haproxy, a.clients - b.clients}
}

// perRequest says how many ms of CPU one of ops requests cost, in all and
// by process.
func (t cpuTimes) perRequest(ops float64) string {
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) / ops }
	rest := t.machine - t.weir - t.haproxy - t.clients
	return fmt.Sprintf("%.3f ms in all: weir %.3f, HAProxy %.3f, clients %.3f, PostgreSQL and the rest %.3f",
		ms(t.machine), ms(t.weir), ms(t.haproxy), ms(t.clients), ms(rest))
}
