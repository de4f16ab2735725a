// Package replicas_test proves that weir server replicas on one PostgreSQL
// database and one S3 bucket, behind HAProxy, are interchangeable: it
// drives writers and readers through the load balancer, kills a replica
// mid-load and checks that every acknowledged write is there and every
// webhook event was delivered once. It needs haproxy, PostgreSQL
// (WEIR_TEST_POSTGRES_URL) and S3 (WEIR_TEST_S3_*), and skips without them.
package replicas_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

// needs skips the test, before anything is built, when a part is missing.
func needs(tb testing.TB) (haproxy string) {
	tb.Helper()
	if testing.Short() {
		tb.Skip("replica tests start processes; skipped with -short")
	}
	for _, env := range []string{"WEIR_TEST_POSTGRES_URL", "WEIR_TEST_S3_ENDPOINT", "WEIR_TEST_S3_BUCKET"} {
		if os.Getenv(env) == "" {
			tb.Skipf("%s is not set (tests/postgres/postgres.sh and tests/s3/versitygw.sh print it)", env)
		}
	}
	haproxy, err := exec.LookPath("haproxy")
	if err != nil {
		for _, p := range []string{"/usr/sbin/haproxy", "/usr/local/sbin/haproxy"} {
			if _, err := os.Stat(p); err == nil {
				return p
			}
		}
		tb.Skip("haproxy is not installed (Debian package haproxy)")
	}
	return haproxy
}

// cluster is N weir server replicas behind one HAProxy.
type cluster struct {
	tb      testing.TB
	dir     string
	bin     string
	dbURI   string // the fresh database the replicas share
	adminDB *sql.DB
	dropDB  func() // drops the database, once
	bucket  string // s3://bucket/prefix of this run
	ports   []int
	procs   []*exec.Cmd
	lbPort  int
	lb      *exec.Cmd
	lease   time.Duration
	n       int // replicas
}

// startCluster builds weir, makes a fresh database, and starts n replicas
// and HAProxy in front of them.
func startCluster(tb testing.TB, haproxy string, n int) *cluster {
	tb.Helper()
	c := &cluster{tb: tb, dir: tb.TempDir(), lease: 3 * time.Second, bin: weirBinary(tb), n: n}
	c.freshDatabase()
	c.bucket = fmt.Sprintf("s3://%s/replicas-%016x", os.Getenv("WEIR_TEST_S3_BUCKET"), rand.Uint64())
	for i := range n {
		c.ports = append(c.ports, freePort(tb))
		c.procs = append(c.procs, nil)
		c.start(i)
	}
	for i := range n {
		c.waitHealthy(i)
	}
	c.lbPort = freePort(tb)
	c.startHAProxy(haproxy)
	tb.Cleanup(c.stop)
	return c
}

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if builtBin != "" {
		os.RemoveAll(filepath.Dir(builtBin))
	}
	os.Exit(code)
}

// weirBinary builds weir once per test process.
func weirBinary(tb testing.TB) string {
	tb.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "weir-replicas-")
		if err != nil {
			buildErr = err
			return
		}
		builtBin = filepath.Join(dir, "weir")
		out, err := exec.Command("go", "build", "-o", builtBin, "github.com/weir-ml/weir/cmd/weir").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		tb.Fatal(buildErr)
	}
	return builtBin
}

// freshDatabase creates a database of its own for this run, so the
// database time it measures is the replicas' alone, and drops it after.
func (c *cluster) freshDatabase() {
	base := os.Getenv("WEIR_TEST_POSTGRES_URL")
	admin, err := sql.Open("pgx", base)
	if err != nil {
		c.tb.Fatal(err)
	}
	c.adminDB = admin
	name := fmt.Sprintf("weir_replicas_%016x", rand.Uint64())
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		c.tb.Fatalf("create database: %v", err)
	}
	c.dropDB = sync.OnceFunc(func() {
		if _, err := admin.Exec("DROP DATABASE " + name + " WITH (FORCE)"); err != nil {
			c.tb.Errorf("drop database %s: %v", name, err)
		}
		admin.Close()
	})
	c.tb.Cleanup(c.dropDB)
	u, err := url.Parse(base)
	if err != nil {
		c.tb.Fatal(err)
	}
	u.Path = "/" + name
	c.dbURI = u.String()
}

// start starts replica i on its port.
func (c *cluster) start(i int) {
	log, err := os.OpenFile(filepath.Join(c.dir, fmt.Sprintf("replica%d.log", i)), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		c.tb.Fatal(err)
	}
	cmd := exec.Command(c.bin, "server", "--host", "127.0.0.1", "--port", strconv.Itoa(c.ports[i]),
		"--backend-store-uri", c.dbURI, "--artifacts-destination", c.bucket,
		"--s3-endpoint-url", os.Getenv("WEIR_TEST_S3_ENDPOINT"), "--s3-path-style",
		"--webhook-allow-private-networks", "--webhook-lease", c.lease.String())
	if conns := os.Getenv("WEIR_REPLICAS_CONNECTIONS"); conns == "" || conns == "share" {
		total := max(4, runtime.NumCPU()) + 1 // one weir's default
		cmd.Args = append(cmd.Args, "--backend-store-connections", strconv.Itoa(max(2, (total+c.n-1)/c.n)))
	}
	cmd.Stdout, cmd.Stderr = log, log
	switch p := os.Getenv("WEIR_REPLICAS_GOMAXPROCS"); p {
	case "auto":
	case "", "share":
		cmd.Env = append(os.Environ(), "GOMAXPROCS="+strconv.Itoa(max(1, runtime.NumCPU()/c.n)))
	default:
		cmd.Env = append(os.Environ(), "GOMAXPROCS="+p)
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		c.tb.Fatalf("start replica %d: %v", i, err)
	}
	log.Close()
	c.procs[i] = cmd
}

// waitHealthy waits for replica i to answer /health.
func (c *cluster) waitHealthy(i int) {
	u := fmt.Sprintf("http://127.0.0.1:%d/health", c.ports[i])
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(u); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	log, _ := os.ReadFile(filepath.Join(c.dir, fmt.Sprintf("replica%d.log", i)))
	c.tb.Fatalf("replica %d not healthy in 30 s; log:\n%s", i, log)
}

// kill ends replica i with SIGKILL, as a crash would.
func (c *cluster) kill(i int) {
	if err := c.procs[i].Process.Kill(); err != nil {
		c.tb.Errorf("kill replica %d: %v", i, err)
	}
	c.procs[i].Wait()
}

// haproxyConfig balances requests over the replicas (leastconn unless
// WEIR_REPLICAS_BALANCE says otherwise, see haproxySettings), checks
// their health every 200 ms, and sends a request whose connection was
// refused to another replica: nothing of it reached a server, so retrying
// it cannot apply a write twice. A request already sent to a replica that
// dies is answered 502 and not retried.
const haproxyConfig = `global
    maxconn 512
%s
defaults
    mode http
    timeout connect 1s
    timeout client 30s
    timeout server 30s
    retries 3
    option redispatch
frontend weir
    bind 127.0.0.1:%d
    default_backend replicas
backend replicas
    balance %s
    option httpchk GET /health
    default-server inter 200ms fall 1 rise 1
%s`

// haproxySettings returns HAProxy's global settings and balance algorithm.
// The replicas, HAProxy, PostgreSQL and the clients share this machine's
// cores, and by default they are set up as docs/scaling.md recommends for
// that (start applies the replicas' part): each replica gets its share of the CPUs (GOMAXPROCS) and of the
// connections one weir keeps to PostgreSQL, as a CPU limit per container
// and a connection budget would give it, and HAProxy runs one thread and
// balances leastconn, so that a replica waiting for a core gets no new
// requests while the others are running. Each can be set back to the
// process's own default:
//
//	WEIR_REPLICAS_GOMAXPROCS     share (default), auto, or a number
//	WEIR_REPLICAS_CONNECTIONS    share (default) or auto
//	WEIR_REPLICAS_HAPROXY_THREADS 1 (default), auto (one per CPU), or a number
//	WEIR_REPLICAS_BALANCE        leastconn (default) or another HAProxy algorithm
func haproxySettings() (global, balance string) {
	switch t := os.Getenv("WEIR_REPLICAS_HAPROXY_THREADS"); t {
	case "auto":
	case "":
		global = "    nbthread 1"
	default:
		global = "    nbthread " + t
	}
	balance = os.Getenv("WEIR_REPLICAS_BALANCE")
	if balance == "" {
		balance = "leastconn"
	}
	return global, balance
}

func (c *cluster) startHAProxy(bin string) {
	var servers strings.Builder
	for i, p := range c.ports {
		fmt.Fprintf(&servers, "    server r%d 127.0.0.1:%d check\n", i, p)
	}
	cfg := filepath.Join(c.dir, "haproxy.cfg")
	global, balance := haproxySettings()
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(haproxyConfig, global, c.lbPort, balance, servers.String())), 0o644); err != nil {
		c.tb.Fatal(err)
	}
	log, err := os.Create(filepath.Join(c.dir, "haproxy.log"))
	if err != nil {
		c.tb.Fatal(err)
	}
	c.lb = exec.Command(bin, "-db", "-f", cfg)
	c.lb.Stdout, c.lb.Stderr = log, log
	if err := c.lb.Start(); err != nil {
		c.tb.Fatalf("start haproxy: %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(c.url() + "/health"); err == nil {
			resp.Body.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	out, _ := os.ReadFile(filepath.Join(c.dir, "haproxy.log"))
	c.tb.Fatalf("haproxy did not answer in 10 s; log:\n%s", out)
}

// url is the load balancer's address.
func (c *cluster) url() string { return "http://127.0.0.1:" + strconv.Itoa(c.lbPort) }

// stop ends HAProxy and the replicas.
func (c *cluster) stop() {
	if c.lb != nil {
		c.lb.Process.Kill()
		c.lb.Wait()
	}
	for _, p := range c.procs {
		if p != nil && p.ProcessState == nil {
			p.Process.Signal(syscall.SIGTERM)
			done := make(chan struct{})
			go func() { p.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(15 * time.Second):
				p.Process.Kill()
				<-done
			}
		}
	}
}

// dbActiveTime is the time PostgreSQL's backends have spent running
// statements in the cluster's database (pg_stat_database.active_time,
// PostgreSQL 14+), in milliseconds.
func (c *cluster) dbActiveTime(ctx context.Context) (float64, error) {
	u, _ := url.Parse(c.dbURI)
	var ms float64
	// The statistics are flushed by each backend at most once a second.
	err := c.adminDB.QueryRowContext(ctx, `SELECT COALESCE(active_time, 0) FROM pg_stat_database WHERE datname = $1`,
		strings.TrimPrefix(u.Path, "/")).Scan(&ms)
	return ms, err
}

func freePort(tb testing.TB) int {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// analyze gathers PostgreSQL's statistics on the replicas' database.
func (c *cluster) analyze(ctx context.Context) error {
	db, err := sql.Open("pgx", c.dbURI)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, "ANALYZE")
	return err
}
