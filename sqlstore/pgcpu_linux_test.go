package sqlstore

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// clockTick is the unit of CPU times in /proc (USER_HZ), 100 per second on
// every Linux architecture Go supports.
const clockTick = 10 * time.Millisecond

// serverCPU returns the CPU time used so far by the PostgreSQL cluster whose
// data directory WEIR_BENCH_PG_DATA names: its postmaster, the children it
// has reaped and the children alive now. A store on PostgreSQL spends most
// of its CPU there, where the benchmark process's own rusage cannot see it.
// ok is false when the variable is unset or the cluster cannot be read.
func serverCPU() (d time.Duration, ok bool) {
	dir := os.Getenv("WEIR_BENCH_PG_DATA")
	if dir == "" {
		return 0, false
	}
	pidFile, err := os.ReadFile(filepath.Join(dir, "postmaster.pid"))
	if err != nil {
		return 0, false
	}
	first, _, _ := strings.Cut(string(pidFile), "\n")
	postmaster, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil {
		return 0, false
	}
	fields, err := procStat(postmaster)
	if err != nil {
		return 0, false
	}
	ticks := 0
	for _, i := range []int{13, 14, 15, 16} { // utime, stime, cutime, cstime
		n, _ := strconv.Atoi(fields[i])
		ticks += n
	}
	children, err := os.ReadFile("/proc/" + strconv.Itoa(postmaster) + "/task/" + strconv.Itoa(postmaster) + "/children")
	if err != nil {
		return 0, false
	}
	sc := bufio.NewScanner(strings.NewReader(string(children)))
	sc.Split(bufio.ScanWords)
	for sc.Scan() {
		pid, _ := strconv.Atoi(sc.Text())
		if f, err := procStat(pid); err == nil {
			u, _ := strconv.Atoi(f[13])
			s, _ := strconv.Atoi(f[14])
			ticks += u + s
		}
	}
	return time.Duration(ticks) * clockTick, true
}

// procStat returns the fields of /proc/PID/stat, numbered from 0 as in
// proc(5) minus one; the command name, which may hold spaces, is skipped
// over by cutting after its closing parenthesis.
func procStat(pid int) ([]string, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return nil, err
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	rest := strings.Fields(s[i+1:])
	return append([]string{"pid", "comm"}, rest...), nil
}
