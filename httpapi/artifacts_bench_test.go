package httpapi

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/weir-ml/weir/artifact"
)

// BenchmarkProxyUpload PUTs files through a real server on loopback into a
// local artifact directory, from 8 concurrent clients as the load generator
// of bench/tracking does, each overwriting a file of its own in a directory of its own (a run). It covers
// the HTTP server, the middleware, the proxy handler and artifact.Dir: the
// whole upload path but the disk (the files stay in the page cache unless
// Sync is set). Client and server share the process, so allocations and
// CPU are both sides'. cpu-ns/op is the process's CPU time per upload,
// steadier than ns/op when other work shares the machine.
//
//	go test ./httpapi -run '^$' -bench ProxyUpload -benchtime 200x
func BenchmarkProxyUpload(b *testing.B) {
	for _, bc := range []struct {
		name string
		size int
		sync bool
	}{
		{"1MB", 1 << 20, false},
		{"16MB", 16 << 20, false},
		{"1MB-sync", 1 << 20, true},
	} {
		b.Run(bc.name, func(b *testing.B) {
			store := artifact.NewDir(b.TempDir())
			store.Sync = bc.sync
			srv := newTestServer(b, &fakeTracking{})
			srv.Artifacts, srv.Addr = store, "127.0.0.1:0"
			if err := srv.Open(); err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { srv.Close() })
			hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
			b.Cleanup(hc.CloseIdleConnections)
			body := bytes.Repeat([]byte("weir"), bc.size/4)
			var worker atomic.Int64
			b.SetBytes(int64(bc.size))
			b.SetParallelism(max(1, 8/runtime.GOMAXPROCS(0)))
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := processCPU(b)
			b.RunParallel(func(pb *testing.PB) {
				url := fmt.Sprintf("%s/api/2.0/mlflow-artifacts/artifacts/bench/w%d/data.bin", srv.URL(), worker.Add(1))
				for pb.Next() {
					req, err := http.NewRequest("PUT", url, bytes.NewReader(body))
					if err != nil {
						b.Error(err)
						return
					}
					resp, err := hc.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						b.Errorf("PUT: status %d", resp.StatusCode)
						return
					}
				}
			})
			b.ReportMetric(float64(processCPU(b)-cpu0)/float64(b.N), "cpu-ns/op")
		})
	}
}

// processCPU returns the CPU time, user and system, this process has used.
// On a machine shared with other work it varies far less than wall time.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
