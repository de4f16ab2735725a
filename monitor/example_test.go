package monitor_test

import (
	"context"
	"fmt"
	"io"

	"github.com/weir-ml/weir/ml/frame"
	"github.com/weir-ml/weir/monitor"
)

// A drift check of a current window against the training data, with
// Evidently's defaults, and the alerts it raises.
func Example() {
	ref, _ := frame.New([]string{"channel", "age"}, []frame.Column{
		&frame.CategoricalColumn{Levels: []string{"cellular", "telephone"}, Codes: []int32{0, 0, 0, 1, 0, 0, 1, 0, 0, 0}},
		&frame.FloatColumn{Values: []float64{31, 45, 38, 52, 29, 41, 36, 48, 33, 39}},
	})
	cur, _ := frame.New([]string{"channel", "age"}, []frame.Column{
		&frame.CategoricalColumn{Levels: []string{"cellular", "telephone", "unknown"}, Codes: []int32{2, 2, 1, 2, 2, 0, 2, 2, 1, 2}},
		&frame.FloatColumn{Values: []float64{30, 44, 39, 51, 30, 40, 37, 47, 34, 38}},
	})
	d, err := monitor.Drift(context.Background(), ref, cur, monitor.NewDriftOptions())
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range d.Columns {
		fmt.Printf("%s: %s %.3g drifted=%v\n", c.Column, c.Method, float64(c.Score), c.Drifted)
	}
	rules, _ := monitor.ParseRules([]byte(`{"rules": [{"name": "channel mix", "kind": "feature", "column": "channel"}]}`))
	alerts, _ := monitor.Evaluate(rules, d, nil)
	for _, a := range alerts {
		fmt.Println("alert:", a.Rule)
	}
	report := &monitor.Report{Title: "weekly drift", Drift: d, Alerts: alerts}
	if err := report.WriteHTML(io.Discard); err != nil { // a file, an artifact, an HTTP response
		fmt.Println(err)
	}
	// Output:
	// channel: chisquare 0 drifted=true
	// age: ks 1 drifted=false
	// alert: channel mix
}
