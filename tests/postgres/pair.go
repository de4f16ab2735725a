// Package pgtest starts the PostgreSQL servers that Weir's read-replica
// tests need: a primary and a streaming replica of it, by replica.sh in the
// same directory.
package pgtest

import (
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
)

// Pair is a PostgreSQL primary and a streaming replica of it, each serving
// the database weir on loopback.
type Pair struct {
	// Primary and Replica are the URIs of the weir database on each.
	Primary, Replica string

	script, dir string
}

// StartPair starts a primary and a replica in a temporary directory and
// stops them when the test ends. It skips the test with -short, or when no
// PostgreSQL server binaries with pg_basebackup are installed.
func StartPair(tb testing.TB) *Pair {
	tb.Helper()
	if testing.Short() {
		tb.Skip("-short: the read-replica tests start two PostgreSQL servers")
	}
	if !haveBinaries() {
		tb.Skip("no PostgreSQL server with pg_basebackup under /usr/lib/postgresql/*/bin or $PG_BINDIR: install Debian's postgresql to run the read-replica tests")
	}
	_, self, _, _ := runtime.Caller(0)
	tmp := tb.TempDir()
	// As root the servers run as the postgres user, which must reach
	// their directory through the test's temporary ones.
	for d := tmp; d != os.TempDir() && strings.HasPrefix(d, os.TempDir()); d = filepath.Dir(d) {
		os.Chmod(d, 0o711)
	}
	p := &Pair{script: filepath.Join(filepath.Dir(self), "replica.sh"), dir: filepath.Join(tmp, "pg")}
	out, err := exec.Command(p.script, "start", p.dir, freePort(tb), freePort(tb)).Output()
	tb.Cleanup(func() {
		if out, err := exec.Command(p.script, "stop", p.dir).CombinedOutput(); err != nil {
			tb.Errorf("replica.sh stop: %v\n%s", err, out)
		}
	})
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		tb.Fatalf("replica.sh start: %v\n%s", err, stderr)
	}
	for _, line := range strings.Split(string(out), "\n") {
		name, value, ok := strings.Cut(strings.TrimPrefix(line, "export "), "=")
		if !ok {
			continue
		}
		switch value = strings.Trim(value, "'"); name {
		case "WEIR_TEST_POSTGRES_URL":
			p.Primary = value
		case "WEIR_TEST_REPLICA_URL":
			p.Replica = value
		}
	}
	if p.Primary == "" || p.Replica == "" {
		tb.Fatalf("replica.sh start printed no URLs:\n%s", out)
	}
	return p
}

// haveBinaries reports whether replica.sh can find a server.
func haveBinaries() bool {
	if d := os.Getenv("PG_BINDIR"); d != "" {
		_, err := os.Stat(filepath.Join(d, "pg_basebackup"))
		return err == nil
	}
	m, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_basebackup")
	return len(m) > 0
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort(tb testing.TB) string {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	return port
}

// StopReplica stops the replica (fast shutdown); the primary keeps running.
func (p *Pair) StopReplica(tb testing.TB) { p.run(tb, "stop-replica") }

// StartReplica starts the replica again after StopReplica.
func (p *Pair) StartReplica(tb testing.TB) { p.run(tb, "start-replica") }

func (p *Pair) run(tb testing.TB, cmd string) {
	tb.Helper()
	if out, err := exec.Command(p.script, cmd, p.dir).CombinedOutput(); err != nil {
		tb.Fatalf("replica.sh %s: %v\n%s", cmd, err, out)
	}
}

// Schema creates a fresh schema on the primary and returns it with the
// primary's and the replica's URIs whose search_path is that schema.
func (p *Pair) Schema(tb testing.TB) (schema, primary, replica string) {
	tb.Helper()
	schema = fmt.Sprintf("weir_test_%016x", rand.Uint64())
	admin, err := sql.Open("pgx", p.Primary)
	if err != nil {
		tb.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		tb.Fatalf("create schema: %v", err)
	}
	with := func(base string) string {
		u, err := url.Parse(base)
		if err != nil {
			tb.Fatal(err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return schema, with(p.Primary), with(p.Replica)
}

// TableScans returns the scans of table in schema that the server at uri
// counted. A backend that stays connected reports its counts every 10 s
// only, one that exits at once: close the store under test first.
func TableScans(tb testing.TB, uri, schema, table string) int64 {
	tb.Helper()
	c, err := sql.Open("pgx", uri)
	if err != nil {
		tb.Fatal(err)
	}
	defer c.Close()
	var n int64
	err = c.QueryRow(`SELECT COALESCE(SUM(COALESCE(seq_scan, 0) + COALESCE(idx_scan, 0)), 0)::bigint
		FROM pg_stat_user_tables WHERE schemaname = $1 AND relname = $2`, schema, table).Scan(&n)
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

// FreezeReplica stops the replica's server and every process it started
// with SIGSTOP, so that its connections stay open but nothing answers, as
// when a network drops packets; ThawReplica resumes them. It skips the test
// where /proc cannot tell which processes those are.
func (p *Pair) FreezeReplica(tb testing.TB) { p.signalReplica(tb, syscall.SIGSTOP) }

// ThawReplica resumes a replica stopped by FreezeReplica.
func (p *Pair) ThawReplica(tb testing.TB) { p.signalReplica(tb, syscall.SIGCONT) }

func (p *Pair) signalReplica(tb testing.TB, sig syscall.Signal) {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(p.dir, "replica", "postmaster.pid"))
	if err != nil {
		tb.Fatalf("the replica's postmaster.pid: %v", err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil || pid <= 1 {
		tb.Fatalf("the replica's postmaster.pid starts with %q, want a process id", line)
	}
	// Each backend leads a session of its own, so a process-group signal
	// would miss them: the server's children are found by their parent.
	pids := []int{pid}
	procs, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil || len(procs) == 0 {
		tb.Skip("no /proc to find the replica's processes in")
	}
	for _, f := range procs {
		b, err := os.ReadFile(f)
		if err != nil {
			continue // gone meanwhile
		}
		// pid (comm) state ppid ...: comm may hold spaces, so cut at the last ')'.
		i := strings.LastIndexByte(string(b), ')')
		fields := strings.Fields(string(b[i+1:]))
		if len(fields) < 2 || fields[1] != strconv.Itoa(pid) {
			continue
		}
		if child, err := strconv.Atoi(filepath.Base(filepath.Dir(f))); err == nil {
			pids = append(pids, child)
		}
	}
	for _, id := range pids {
		if err := syscall.Kill(id, sig); err != nil && err != syscall.ESRCH {
			tb.Fatalf("signal the replica's process %d: %v", id, err)
		}
	}
}
