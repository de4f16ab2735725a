// Command gbdt trains Weir's GBDT for the training benchmark and prints one
// JSON line: train time (binning and boosting, as LightGBM's Dataset plus
// train) and test AUC. bench/train/gbdt.sh runs it beside LightGBM.
//
//	gbdt bank path/to/bank-full.csv
//	gbdt synthetic DIR   (train_X.npy etc. from gbdt_data.py)
//
// For the other objectives (bench/train/gbdt/tasks.sh runs them beside
// LightGBM) it prints test accuracy (multiclass) or RMSE as "score" and
// writes the test rows' raw scores, little-endian float64, to PREDICTIONS:
//
//	gbdt multiclass|regression|regression_l1|huber DIR PREDICTIONS
//	                     (train_X.npy etc. from tasks_data.py)
//
// Threads come from BENCH_THREADS (default 2); BENCH_CPUPROFILE names a
// file to write a CPU profile of Fit to.
package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/weir-ml/weir/ml"
	"github.com/weir-ml/weir/ml/gbdt"
	"github.com/weir-ml/weir/ml/metrics"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "gbdt:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("usage: gbdt bank CSV | gbdt synthetic DIR | gbdt OBJECTIVE DIR PREDICTIONS")
	}
	switch args[0] {
	case gbdt.Multiclass, gbdt.Regression, gbdt.RegressionL1, gbdt.Huber:
		return runTask(args)
	}
	if len(args) != 2 {
		return fmt.Errorf("usage: gbdt bank CSV | gbdt synthetic DIR")
	}
	var (
		Xtr, Xte *ml.Matrix
		ytr, yte []float64
		cat      []int
		err      error
	)
	switch args[0] {
	case "bank":
		Xtr, ytr, Xte, yte, cat, err = loadBank(args[1])
	case "synthetic":
		Xtr, ytr, Xte, yte, err = loadSynthetic(args[1])
	default:
		err = fmt.Errorf("unknown data set %q", args[0])
	}
	if err != nil {
		return err
	}
	m := gbdt.NewClassifier()
	m.CategoricalFeatures = cat
	seconds, err := fit(m, Xtr, ytr)
	if err != nil {
		return err
	}
	p, err := m.PredictProba(Xte)
	if err != nil {
		return err
	}
	auc, err := metrics.ROCAUC(yte, p, nil)
	if err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(map[string]any{
		"impl": "weir", "data": args[0], "train_seconds": seconds, "auc": auc})
}

// fit trains m with the benchmark's threads (BENCH_THREADS, default 2),
// under a CPU profile when BENCH_CPUPROFILE names a file, and returns the
// seconds Fit took.
func fit(m *gbdt.Model, X *ml.Matrix, y []float64) (float64, error) {
	m.NumThreads = 2
	if s := os.Getenv("BENCH_THREADS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return 0, fmt.Errorf("BENCH_THREADS: %w", err)
		}
		m.NumThreads = n
	}
	if path := os.Getenv("BENCH_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			return 0, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return 0, err
		}
		defer pprof.StopCPUProfile()
	}
	start := time.Now()
	err := m.Fit(context.Background(), X, y, nil)
	return time.Since(start).Seconds(), err
}

// runTask trains one of the multiclass and regression objectives with
// LightGBM's defaults (100 iterations) on tasks_data.py's files.
func runTask(args []string) error {
	if len(args) != 3 {
		return fmt.Errorf("usage: gbdt %s DIR PREDICTIONS", args[0])
	}
	objective, dir := args[0], args[1]
	label := "target"
	if objective == gbdt.Multiclass {
		label = "class"
	}
	var mats [4]*ml.Matrix
	for i, name := range []string{"train_X", "train_" + label, "test_X", "test_" + label} {
		var err error
		if mats[i], err = readNpy(dir + "/" + name + ".npy"); err != nil {
			return err
		}
	}
	Xtr, ytr, Xte, yte := mats[0], mats[1].Cols[0], mats[2], mats[3].Cols[0]
	m := gbdt.NewModel(objective)
	seconds, err := fit(m, Xtr, ytr)
	if err != nil {
		return err
	}
	raw, err := m.PredictRawMulti(Xte)
	if err != nil {
		return err
	}
	var score float64
	if k := m.NumClasses(); objective == gbdt.Multiclass {
		for i, y := range yte {
			best := 0
			for c := 1; c < k; c++ {
				if raw[i*k+c] > raw[i*k+best] {
					best = c
				}
			}
			if float64(best) == y {
				score++
			}
		}
		score /= float64(len(yte))
	} else {
		for i, y := range yte {
			score += (raw[i] - y) * (raw[i] - y)
		}
		score = math.Sqrt(score / float64(len(yte)))
	}
	buf := make([]byte, 8*len(raw))
	for i, v := range raw {
		binary.LittleEndian.PutUint64(buf[8*i:], math.Float64bits(v))
	}
	if err := os.WriteFile(args[2], buf, 0o644); err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(map[string]any{
		"impl": "weir", "data": objective, "train_seconds": seconds, "score": score})
}

// bankTrainRows is the number of 2008 rows, the training period.
const bankTrainRows = 27729

var bankCategorical = []string{"job", "marital", "education", "default", "housing", "loan",
	"contact", "month", "poutcome"}

// loadBank reads bank-full.csv without duration (it leaks the target),
// categoricals as codes in sorted level order, split at the end of 2008.
func loadBank(path string) (Xtr *ml.Matrix, ytr []float64, Xte *ml.Matrix, yte []float64, cat []int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, nil, nil, nil, err
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, nil, nil, nil, nil, err
	}
	if len(recs) <= bankTrainRows+1 {
		return nil, nil, nil, nil, nil, fmt.Errorf("%s: %d rows, want more than %d", path, len(recs)-1, bankTrainRows)
	}
	header, recs := recs[0], recs[1:]
	var cols []int
	for j, h := range header {
		if h != "duration" && h != "y" {
			cols = append(cols, j)
		}
	}
	X := ml.NewMatrix(len(recs), len(cols))
	for k, j := range cols {
		if slices.Contains(bankCategorical, header[j]) {
			cat = append(cat, k)
			levels := map[string]bool{}
			for _, r := range recs {
				levels[r[j]] = true
			}
			sorted := make([]string, 0, len(levels))
			for l := range levels {
				sorted = append(sorted, l)
			}
			slices.Sort(sorted)
			for i, r := range recs {
				X.Cols[k][i] = float64(slices.Index(sorted, r[j]))
			}
			continue
		}
		for i, r := range recs {
			if X.Cols[k][i], err = strconv.ParseFloat(r[j], 64); err != nil {
				return nil, nil, nil, nil, nil, fmt.Errorf("row %d: %w", i+2, err)
			}
		}
	}
	y := make([]float64, len(recs))
	for i, r := range recs {
		if r[len(r)-1] == "yes" {
			y[i] = 1
		}
	}
	rows := func(lo, hi int) []int {
		out := make([]int, hi-lo)
		for i := range out {
			out[i] = lo + i
		}
		return out
	}
	return X.Subset(rows(0, bankTrainRows)), y[:bankTrainRows],
		X.Subset(rows(bankTrainRows, X.Rows)), y[bankTrainRows:], cat, nil
}

func loadSynthetic(dir string) (Xtr *ml.Matrix, ytr []float64, Xte *ml.Matrix, yte []float64, err error) {
	if Xtr, err = readNpy(dir + "/train_X.npy"); err != nil {
		return
	}
	if Xte, err = readNpy(dir + "/test_X.npy"); err != nil {
		return
	}
	var y *ml.Matrix
	if y, err = readNpy(dir + "/train_y.npy"); err != nil {
		return
	}
	ytr = y.Cols[0]
	if y, err = readNpy(dir + "/test_y.npy"); err != nil {
		return
	}
	yte = y.Cols[0]
	return
}

var npyShape = regexp.MustCompile(`'shape': \((\d+),\s*(\d*)\)`)

// readNpy reads a little-endian float64 .npy file in column-major order
// (or a 1-d array) straight into a matrix.
func readNpy(path string) (*ml.Matrix, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	var pre [10]byte
	if _, err := io.ReadFull(r, pre[:]); err != nil || string(pre[:6]) != "\x93NUMPY" || pre[6] != 1 {
		return nil, fmt.Errorf("%s: not a version 1 .npy file", path)
	}
	header := make([]byte, binary.LittleEndian.Uint16(pre[8:]))
	if _, err := io.ReadFull(r, header); err != nil {
		return nil, err
	}
	h := string(header)
	m := npyShape.FindStringSubmatch(h)
	if !strings.Contains(h, "'descr': '<f8'") || m == nil {
		return nil, fmt.Errorf("%s: want float64 data, header %s", path, h)
	}
	rows, _ := strconv.Atoi(m[1])
	cols := 1
	if m[2] != "" {
		cols, _ = strconv.Atoi(m[2])
		if !strings.Contains(h, "'fortran_order': True") {
			return nil, fmt.Errorf("%s: want column-major (Fortran order) data", path)
		}
	}
	X := ml.NewMatrix(rows, cols)
	buf := make([]byte, 8<<10)
	for _, c := range X.Cols {
		for i := 0; i < len(c); {
			n := min(len(buf)/8, len(c)-i)
			if _, err := io.ReadFull(r, buf[:n*8]); err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
			for k := 0; k < n; k++ {
				c[i+k] = math.Float64frombits(binary.LittleEndian.Uint64(buf[k*8:]))
			}
			i += n
		}
	}
	return X, nil
}
