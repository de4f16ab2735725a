// Command monitor is Weir's side of the monitoring benchmark: it generates
// the data (-gen) or reads a reference and a current CSV, runs the drift
// report with Evidently's defaults and writes its HTML and JSON, printing
// phase timings as JSON. bench/monitor/run.sh runs it beside Evidently.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"time"

	"github.com/weir-ml/weir/ml/frame"
	"github.com/weir-ml/weir/monitor"
)

var (
	memProfile string // the -memprofile file
	batchRows  int    // rows per batch read from the CSV files
)

func main() {
	gen := flag.String("gen", "", "write ref.csv and cur.csv into this directory and exit")
	rows := flag.Int("rows", 500_000, "rows per generated file")
	cols := flag.Int("cols", 20, "columns per generated file")
	ref := flag.String("ref", "", "reference CSV")
	cur := flag.String("cur", "", "current CSV")
	out := flag.String("out", "", "write report.html and report.json here")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile here")
	flag.IntVar(&batchRows, "batch", 2048, "rows per batch read from each CSV file")
	flag.StringVar(&memProfile, "memprofile", "", "write a heap profile here once both files are collected")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "monitor bench:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	var err error
	if *gen != "" {
		err = generate(*gen, *rows, *cols)
	} else {
		err = run(*ref, *cur, *out)
	}
	if err != nil {
		pprof.StopCPUProfile()
		fmt.Fprintln(os.Stderr, "monitor bench:", err)
		os.Exit(1)
	}
}

// generate writes two files of rows × cols: two in three columns numerical
// (normal, small integers, exponential), every third categorical with 8
// levels; the current file is shifted a little in every column.
func generate(dir string, rows, cols int) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for k, shift := range []float64{0, 0.05} {
		name := filepath.Join(dir, []string{"ref.csv", "cur.csv"}[k])
		if err := writeCSV(name, rows, cols, shift, uint64(k+1)); err != nil {
			return err
		}
	}
	return nil
}

func writeCSV(name string, rows, cols int, shift float64, seed uint64) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	rng := rand.New(rand.NewPCG(seed, 2))
	for j := range cols {
		if j > 0 {
			w.WriteByte(',')
		}
		w.WriteString("f" + strconv.Itoa(j))
	}
	w.WriteByte('\n')
	var buf []byte
	for range rows {
		buf = buf[:0]
		for j := range cols {
			if j > 0 {
				buf = append(buf, ',')
			}
			switch {
			case j%3 == 2:
				k := rng.IntN(8)
				if rng.Float64() < shift {
					k = 0
				}
				buf = append(buf, "abcdefgh"[k])
			case j%3 == 0:
				buf = strconv.AppendFloat(buf, rng.NormFloat64()+shift, 'f', 4, 64)
			case j%2 == 0:
				buf = strconv.AppendInt(buf, int64(rng.IntN(6)), 10)
			default:
				buf = strconv.AppendFloat(buf, rng.ExpFloat64()*(1+shift), 'f', 4, 64)
			}
		}
		buf = append(buf, '\n')
		w.Write(buf)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Close()
}

func run(refPath, curPath, out string) error {
	if refPath == "" || curPath == "" || out == "" {
		return fmt.Errorf("need -ref, -cur and -out (or -gen)")
	}
	t0 := time.Now()
	// Stream both files through collectors, side by side: only distinct
	// values and category counts stay in memory, never the rows.
	var ref, cur *monitor.Collector
	var refErr, curErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		ref, refErr = collect(refPath)
	}()
	cur, curErr = collect(curPath)
	<-done
	if err := errors.Join(refErr, curErr); err != nil {
		return err
	}
	t1 := time.Now()
	if memProfile != "" {
		if err := writeFile(memProfile, func(w io.Writer) error { return pprof.Lookup("heap").WriteTo(w, 0) }); err != nil {
			return err
		}
	}
	d, err := monitor.DriftCollected(context.Background(), ref, cur, monitor.NewDriftOptions())
	if err != nil {
		return err
	}
	t2 := time.Now()
	r := &monitor.Report{Title: "Monitoring benchmark", Generated: t2, Reference: refPath, Current: curPath, Drift: d,
		ReferenceTargetRate: monitor.Number(0), CurrentTargetRate: monitor.Number(0)}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	if err := writeFile(filepath.Join(out, "report.html"), r.WriteHTML); err != nil {
		return err
	}
	if err := writeFile(filepath.Join(out, "report.json"), r.WriteJSON); err != nil {
		return err
	}
	t3 := time.Now()
	return json.NewEncoder(os.Stdout).Encode(map[string]any{
		"read_seconds":  t1.Sub(t0).Seconds(), // reading and collecting, together
		"drift_seconds": t2.Sub(t0).Seconds(), // reading included, as Evidently's figure

		"report_seconds": t3.Sub(t2).Seconds(),
		"drifted":        d.Drifted,
		"columns":        len(d.Columns),
	})
}

// collect reads a CSV file batch by batch into a collector.
func collect(path string) (*monitor.Collector, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// Small batches keep what is held besides the collected runs small:
	// the garbage collector lets the heap grow to twice what is live, so
	// each megabyte of batch held costs two at the peak.
	r, err := frame.NewCSVReader(f, frame.CSVOptions{BatchRows: batchRows})
	if err != nil {
		return nil, err
	}
	c := monitor.NewCollector()
	for {
		batch, err := r.Next()
		if err == io.EOF {
			return c, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if err := c.Add(batch); err != nil {
			return nil, err
		}
	}
}

func writeFile(name string, write func(io.Writer) error) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
