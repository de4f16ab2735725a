//go:build !weir_serve

package main

import (
	"bufio"
	"encoding/json"
	"os"
	"strings"

	"github.com/weir-ml/weir/ml/frame"
	"github.com/weir-ml/weir/monitor"
)

// readTrainingFrame reads labelled rows for retraining: a CSV or Parquet
// table (local or s3://) with the label column, or the joined JSON lines weir monitor labels --out writes,
// whose labelled rows become a frame of their inputs and the label in
// target, spelled with the model's classes so the challenger predicts the
// same labels as the champion.
func readTrainingFrame(path, target string, classes [2]string) (*frame.Frame, error) {
	if !strings.HasSuffix(path, ".jsonl") {
		f, err := readTable(path)
		if err != nil {
			return nil, err
		}
		if _, err := f.Column(target); err != nil {
			return nil, usagef("%s has no label column %q", path, target)
		}
		return f, nil
	}
	all, err := readJoined(path)
	if err != nil {
		return nil, err
	}
	var preds []monitor.Prediction
	for _, p := range all {
		if p.HasLabel {
			preds = append(preds, p)
		}
	}
	if len(preds) == 0 {
		return nil, usagef("%s holds no labelled rows", path)
	}
	f, err := monitor.InputsFrame(preds, "")
	if err != nil {
		return nil, err
	}
	y := &frame.CategoricalColumn{Codes: make([]int32, len(preds)), Levels: []string{classes[0], classes[1]}}
	for i, p := range preds {
		y.Codes[i] = int32(p.Label)
	}
	return f.With(target, y)
}

// readJoined reads the joined JSON lines weir monitor labels --out writes:
// every logged prediction, with its label when it has one.
func readJoined(path string) ([]monitor.Prediction, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, usagef("%v", err)
	}
	defer file.Close()
	var preds []monitor.Prediction
	sc := bufio.NewScanner(file)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for n := 1; sc.Scan(); n++ {
		if len(sc.Bytes()) == 0 {
			continue
		}
		var r joinedRow
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, usagef("%s line %d: %v", path, n, err)
		}
		p := monitor.Prediction{RequestID: r.RequestID, Row: r.Row, Time: r.Timestamp, Model: r.Model, Version: r.Version, Inputs: r.Inputs, Score: r.Score}
		if r.Label != nil {
			if *r.Label != 0 && *r.Label != 1 {
				return nil, usagef("%s line %d: label %v is not 0 or 1", path, n, *r.Label)
			}
			p.Label, p.HasLabel = *r.Label, true
		}
		preds = append(preds, p)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(preds) == 0 {
		return nil, usagef("%s holds no rows", path)
	}
	return preds, nil
}
