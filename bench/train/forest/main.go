// Command forest trains Weir's random forest for the training benchmark and
// prints one JSON line: training time (binning included) and test ROC AUC.
// bench/train/forest.sh runs it beside scikit-learn.
//
//	forest DIR N_ESTIMATORS MIN_SAMPLES_LEAF
//
// DIR holds train_X.npy, train_y.npy, test_X.npy and test_y.npy from
// forest_data.py. Trees use √p features per split, like scikit-learn's
// default; workers come from BENCH_THREADS (default 2).
package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/weir-ml/weir/ml"
	"github.com/weir-ml/weir/ml/metrics"
	"github.com/weir-ml/weir/ml/tree"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "forest:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) != 3 {
		return fmt.Errorf("usage: forest DIR N_ESTIMATORS MIN_SAMPLES_LEAF")
	}
	nTrees, err := strconv.Atoi(args[1])
	if err != nil {
		return fmt.Errorf("N_ESTIMATORS: %w", err)
	}
	minLeaf, err := strconv.Atoi(args[2])
	if err != nil {
		return fmt.Errorf("MIN_SAMPLES_LEAF: %w", err)
	}
	workers := 2
	if s := os.Getenv("BENCH_THREADS"); s != "" {
		if workers, err = strconv.Atoi(s); err != nil {
			return fmt.Errorf("BENCH_THREADS: %w", err)
		}
	}
	var Xtr, Xte, ytr, yte *ml.Matrix
	for _, f := range []struct {
		name string
		dst  **ml.Matrix
	}{{"train_X", &Xtr}, {"train_y", &ytr}, {"test_X", &Xte}, {"test_y", &yte}} {
		if *f.dst, err = readNpy(filepath.Join(args[0], f.name+".npy")); err != nil {
			return err
		}
	}
	m := tree.NewRandomForestClassifier()
	m.NEstimators, m.MinSamplesLeaf, m.Workers, m.Seed = nTrees, minLeaf, workers, 1
	start := time.Now()
	if err := m.Fit(context.Background(), Xtr, ytr.Cols[0], nil); err != nil {
		return err
	}
	seconds := time.Since(start).Seconds()
	p, err := m.PredictProba(Xte)
	if err != nil {
		return err
	}
	auc, err := metrics.ROCAUC(yte.Cols[0], p, nil)
	if err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(map[string]any{"impl": "weir", "train_seconds": seconds, "auc": auc})
}

var npyShape = regexp.MustCompile(`'shape': \((\d+),\s*(\d*)\)`)

// readNpy reads a little-endian float64 .npy file, a 1-d array or a 2-d
// array in column-major (Fortran) order, into a matrix.
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
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	h := string(header)
	shape := npyShape.FindStringSubmatch(h)
	if shape == nil || !strings.Contains(h, "'descr': '<f8'") {
		return nil, fmt.Errorf("%s: want float64 data, header %s", path, h)
	}
	rows, _ := strconv.Atoi(shape[1])
	cols := 1
	if shape[2] != "" {
		cols, _ = strconv.Atoi(shape[2])
		if cols > 1 && !strings.Contains(h, "'fortran_order': True") {
			return nil, fmt.Errorf("%s: want a column-major (Fortran-order) array", path)
		}
	}
	m := ml.NewMatrix(rows, cols)
	buf := make([]byte, 8*rows)
	for j := range m.Cols {
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, fmt.Errorf("%s: column %d: %w", path, j, err)
		}
		for i := range m.Cols[j] {
			m.Cols[j][i] = math.Float64frombits(binary.LittleEndian.Uint64(buf[8*i:]))
		}
	}
	return m, nil
}
