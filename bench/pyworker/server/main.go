// Command server serves one pyfunc model through Weir's Go scoring server
// and pyworker's Python workers, for bench/pyworker/run.sh: the path
// `weir models serve --env-manager local` takes, without the rest of the
// CLI.
//
// Usage: server -m MODEL_DIR -port 8080 [-workers 1] [-batch 0]
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	"github.com/weir-ml/weir/mlmodel"
	"github.com/weir-ml/weir/mlmodel/pyworker"
	"github.com/weir-ml/weir/serve"
)

func main() {
	dir := flag.String("m", "", "model directory")
	port := flag.Int("port", 8080, "port")
	workers := flag.Int("workers", 1, "Python workers")
	batch := flag.Int("batch", 0, "micro-batching: most rows scored together (0: off)")
	flag.Parse()
	if err := run(*dir, *port, *workers, *batch); err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
}

func run(dir string, port, workers, batch int) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	f, err := mlmodel.ReadMLmodel(dir)
	if err != nil {
		return err
	}
	p, err := pyworker.Open(ctx, dir, f, pyworker.Options{Workers: workers, Log: os.Stderr})
	if err != nil {
		return err
	}
	defer p.Close()
	sm, err := serve.NewScorerModel(p)
	if err != nil {
		return err
	}
	example, err := mlmodel.ReadInputExample(dir, f, p.Inputs())
	if err != nil {
		return err
	}
	srv := serve.NewServer()
	srv.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	srv.Model = &serve.Loaded{Model: sm, Name: "bench", Example: example, Output: sm.Output()}
	srv.MaxBatchSize = batch
	if err := srv.Open(); err != nil {
		return err
	}
	<-ctx.Done()
	return srv.Close()
}
