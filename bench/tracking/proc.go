package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// memory is the resident memory of a server's whole process tree, read from
// /proc. A server that forks workers (mlflow server starts uvicorn workers and
// job consumers) is charged for all of them; RSS counts pages the processes
// share once per process, PSS splits them, so both are kept.
type memory struct {
	PID       int   `json:"pid"`
	Processes int   `json:"processes"`
	RSSKB     int64 `json:"rss_kb"`
	PSSKB     int64 `json:"pss_kb"`
	PeakRSSKB int64 `json:"peak_rss_kb"` // sum of each process's VmHWM
}

// MB is RSS in mebibytes.
func (m memory) MB() float64 { return float64(m.RSSKB) / 1024 }

// readMemory sums the memory of pid and all its descendants.
func readMemory(pid int) (memory, error) {
	tree, err := processTree(pid)
	if err != nil {
		return memory{}, err
	}
	m := memory{PID: pid}
	for _, p := range tree {
		status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p))
		if err != nil {
			continue // exited between the listing and now
		}
		m.Processes++
		m.RSSKB += procField(status, "VmRSS:")
		m.PeakRSSKB += procField(status, "VmHWM:")
		if rollup, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", p)); err == nil {
			m.PSSKB += procField(rollup, "Pss:")
		}
	}
	if m.Processes == 0 {
		return m, fmt.Errorf("process %d is not running", pid)
	}
	return m, nil
}

// procField returns the kB value of the line starting with name, or 0.
func procField(data []byte, name string) int64 {
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, name); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				n, _ := strconv.ParseInt(f[0], 10, 64)
				return n
			}
		}
	}
	return 0
}

// processTree returns pid and every process descending from it.
func processTree(root int) ([]int, error) {
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil {
		return nil, err
	}
	children := map[int][]int{}
	for _, path := range stats {
		data, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		pid, ppid, ok := parseStat(data)
		if ok {
			children[ppid] = append(children[ppid], pid)
		}
	}
	tree := []int{root}
	for i := 0; i < len(tree); i++ {
		tree = append(tree, children[tree[i]]...)
	}
	return tree, nil
}

// parseStat reads pid and parent pid from /proc/PID/stat. The command name
// in parentheses may hold spaces, so fields are counted after its last ')'.
func parseStat(data []byte) (pid, ppid int, ok bool) {
	open := bytes.IndexByte(data, '(')
	end := bytes.LastIndexByte(data, ')')
	if open < 1 || end < open {
		return 0, 0, false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data[:open])))
	if err != nil {
		return 0, 0, false
	}
	f := strings.Fields(string(data[end+1:]))
	if len(f) < 2 {
		return 0, 0, false
	}
	ppid, err = strconv.Atoi(f[1])
	if err != nil {
		return 0, 0, false
	}
	return pid, ppid, true
}

// settledMemory polls the tree's memory every second until two readings in a
// row differ by under 1% (servers that spawn workers keep growing for a while
// after they first answer), or until limit, and returns the last reading.
func settledMemory(ctx context.Context, pid int, limit time.Duration) (memory, error) {
	deadline := time.Now().Add(limit)
	prev, err := readMemory(pid)
	if err != nil {
		return prev, err
	}
	for time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return prev, ctx.Err()
		case <-time.After(time.Second):
		}
		cur, err := readMemory(pid)
		if err != nil {
			return cur, err
		}
		stable := cur.Processes == prev.Processes &&
			abs(cur.RSSKB-prev.RSSKB)*100 < prev.RSSKB
		prev = cur
		if stable {
			break
		}
	}
	return prev, nil
}

func abs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

// loadAverage returns the first three fields of /proc/loadavg, or "unknown".
// The benchmark machine is shared, so every report says how busy it was.
func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
