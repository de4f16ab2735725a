//go:build !weir_serve

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/weir-ml/weir/dataio"
	"github.com/weir-ml/weir/monitor"
)

// monitorLabelsCmd joins ground truth to logged predictions.
type monitorLabelsCmd struct {
	File   string `required:"" help:"Labels (a local file or s3:// object): CSV with columns request_id,row,label (row optional; an optional time column gives each row's event time, for replayed traffic) or JSON lines {request_id,row,label}."`
	Log    string `required:"" help:"Inference log: a directory or s3://bucket/prefix of .jsonl segments, or one .jsonl file."`
	Out    string `help:"Write the joined rows here as JSON lines (request_id, row, timestamp, model, version, score, label, inputs)."`
	Window period `help:"Performance window: a duration (36h), days (7d), weeks (1w) or calendar months (month, quarter, year)." default:"1w"`
	Output string `short:"o" help:"Output format: table or json." default:"table" enum:"table,json"`
	logWindow
}

func (c *monitorLabelsCmd) Run(g *globals) error {
	preds, err := readInferenceLogs(c.Log, c.logWindow)
	if err != nil {
		return err
	}
	labels, times, err := readLabelsFile(c.File)
	if err != nil {
		return err
	}
	n := monitor.JoinLabels(preds, labels)
	monitor.JoinEventTimes(preds, times)
	if n == 0 {
		return usagef("no label in %s matches a logged prediction in %s (by request_id and row)", c.File, c.Log)
	}
	if c.Out != "" {
		if err := writeJoined(c.Out, preds); err != nil {
			return err
		}
	}
	ws, err := monitor.Windows(preds, c.Window.windows())
	if err != nil {
		return usagef("%v", err)
	}
	if c.Output == "json" {
		enc := json.NewEncoder(g.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"predictions": len(preds), "labelled": n, "labels": len(labels), "windows": ws})
	}
	fmt.Fprintf(g.stdout, "%s of %s predictions labelled (%s labels read)\n", monitor.Thousands(n), monitor.Thousands(len(preds)), monitor.Thousands(len(labels)))
	tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "WINDOW\tROWS\tLABELLED\tROC AUC\tPRECISION\tRECALL\tPOSITIVE RATE\tEST. ROC AUC")
	for _, w := range ws {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", w.Label, monitor.Thousands(w.Rows), monitor.Thousands(w.Labelled),
			num(w.ROCAUC), num(w.Precision), num(w.Recall), num(w.PositiveRate), num(w.EstROCAUC))
	}
	return tw.Flush()
}

func num(n monitor.Number) string {
	b, _ := n.MarshalJSON()
	if string(b) == "null" {
		return "-"
	}
	return strconv.FormatFloat(float64(n), 'f', 4, 64)
}

// readLabelsFile reads labels as CSV (by extension) or JSON lines, and the
// event times a CSV's time column gives.
func readLabelsFile(path string) (labels map[monitor.LabelKey]float64, times map[monitor.LabelKey]time.Time, err error) {
	var f io.ReadCloser
	if strings.HasPrefix(path, "s3://") {
		l, err := dataio.Parse(path)
		if err != nil {
			return nil, nil, usagef("%v", err)
		}
		if f, err = dataStorage().Open(context.Background(), l); err != nil {
			return nil, nil, err
		}
	} else if f, err = os.Open(path); err != nil {
		return nil, nil, usagef("%v", err)
	}
	defer f.Close()
	if strings.HasSuffix(strings.ToLower(path), ".csv") {
		labels, times, err = monitor.ReadLabelEventsCSV(f)
	} else {
		labels, err = monitor.ReadLabels(f)
	}
	if err != nil {
		return nil, nil, usagef("%s: %v", path, err)
	}
	return labels, times, nil
}

// joinedRow is one line of the joined file.
type joinedRow struct {
	RequestID string         `json:"request_id"`
	Row       int            `json:"row"`
	Timestamp time.Time      `json:"timestamp"`
	Model     string         `json:"model_name,omitempty"`
	Version   string         `json:"model_version,omitempty"`
	Score     float64        `json:"score"`
	Label     *float64       `json:"label"`
	Inputs    map[string]any `json:"inputs"`
}

func writeJoined(path string, preds []monitor.Prediction) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return usagef("--out: %v", err)
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	for _, p := range preds {
		r := joinedRow{RequestID: p.RequestID, Row: p.Row, Timestamp: p.Time, Model: p.Model, Version: p.Version, Score: p.Score, Inputs: p.Inputs}
		if p.HasLabel {
			y := p.Label
			r.Label = &y
		}
		if err := enc.Encode(r); err != nil {
			return err
		}
	}
	return w.Flush()
}
