// Command scale measures how Weir and mlflow server cope with big stores
// (issue 17, "Scaling curves"). It has three subcommands:
//
//	scale gen    -schema weir|mlflow -uri URI -runs N -points P
//	scale bench  -url URL -label NAME -runs N -points P [-db URI] -json OUT
//	scale report OUT.json...
//	scale sample-history -url URL -points P [-pages K]
//
// gen writes a store of N runs (10 params, 10 metrics, 5 tags each, over
// three experiments) and one run with a P-point metric history straight into
// the database, in Weir's schema (sqlstore's migrations) or in MLflow's (made
// beforehand by `mlflow db upgrade`), on SQLite or PostgreSQL, with bulk
// loads: the same logical data in both (data.go).
//
// bench times, one call at a time, against a server on such a store: a run
// search with a metric filter, a param filter and a metric order (100 a
// page); the metric history streamed through all its pages; the runs page
// of the UI, first load and sorted by a metric (for mlflow server, the
// search its UI sends for them); and, with -db, the store's size on disk.
// Every answer is checked against the data's formulas, so a wrong answer
// counts as an error, not as speed.
//
// report prints the bench outputs as markdown tables, Weir and mlflow side
// by side with their ratio. run.sh runs the whole matrix. sample-history
// estimates mlflow server's time for a history too long to read whole
// (sample.go).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := cli(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "scale:", err)
		}
		os.Exit(2)
	}
}

const usage = "usage: scale gen|bench|report|sample-history [flags] (see -h of each)"

// cli runs the subcommand args name.
func cli(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New(usage)
	}
	switch args[0] {
	case "gen":
		cfg, err := parseGen(args[1:], stderr)
		if err != nil {
			return err
		}
		return generate(ctx, cfg, stderr)
	case "bench":
		cfg, err := parseBench(args[1:], stderr)
		if err != nil {
			return err
		}
		return runBench(ctx, cfg, stdout, stderr)
	case "report":
		return runReport(args[1:], stdout)
	case "sample-history":
		cfg, err := parseSample(args[1:], stderr)
		if err != nil {
			return err
		}
		return runSample(ctx, cfg, stdout, stderr)
	}
	return fmt.Errorf("unknown subcommand %q; %s", args[0], usage)
}

func parseGen(args []string, stderr io.Writer) (genConfig, error) {
	var c genConfig
	fs := flag.NewFlagSet("scale gen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.schema, "schema", "weir", "whose tables to write: weir (sqlstore's migrations) or mlflow (after `mlflow db upgrade URI`)")
	fs.StringVar(&c.uri, "uri", "", "database: sqlite:///PATH or postgresql://user@host:port/db")
	fs.IntVar(&c.runs, "runs", 10000, "runs to generate")
	fs.IntVar(&c.points, "points", 10000, "points of the one long metric history")
	if err := parseFlags(fs, args); err != nil {
		return c, err
	}
	switch {
	case c.uri == "":
		return c, errors.New("-uri is required")
	case c.runs < 1 || c.points < 1:
		return c, errors.New("-runs and -points must be positive")
	}
	return c, nil
}

// parseFlags parses args into fs and refuses arguments left over.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	return nil
}
