// Command weir is the whole machine-learning lifecycle in one binary: an
// MLflow-compatible tracking server and registry, training, serving and
// monitoring. Main owns the wiring; main only handles signals and exit codes.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	stopWithParent()
	// The first SIGINT or SIGTERM cancels ctx and servers drain; once it
	// has, the signals get their default action back, so a second Ctrl-C
	// stops a shutdown that hangs.
	go func() {
		<-ctx.Done()
		stop()
	}()
	m := NewMain()
	err := m.Run(ctx, os.Args[1:])
	if err == nil {
		return
	}
	fmt.Fprintln(os.Stderr, "weir:", errorMessage(err))
	os.Exit(exitCode(err))
}
