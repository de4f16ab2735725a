package monitor

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/weir-ml/weir/ml/metrics"
)

var t0 = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// calibrated draws n predictions an hour apart whose labels follow their
// scores, so that realised and estimated performance must agree.
func calibrated(n int, seed uint64) []Prediction {
	rng := rand.New(rand.NewPCG(seed, 3))
	out := make([]Prediction, n)
	for i := range out {
		s := rng.Float64() * rng.Float64()
		y := 0.0
		if rng.Float64() < s {
			y = 1
		}
		out[i] = Prediction{RequestID: "r", Row: i, Time: t0.Add(time.Duration(i) * time.Minute), Score: s, Label: y, HasLabel: true}
	}
	return out
}

func TestWindowsRealisedMatchesMetrics(t *testing.T) {
	preds := calibrated(3000, 1)
	ws, err := Windows(preds, WindowOptions{Size: 1000, Threshold: 0.3, Value: Value{TP: 10, FP: -1}})
	if err != nil {
		t.Fatal(err)
	}
	if len(ws) != 3 {
		t.Fatalf("%d windows, want 3", len(ws))
	}
	for k, w := range ws {
		part := preds[k*1000 : (k+1)*1000]
		var y, s []float64
		for _, p := range part {
			y, s = append(y, p.Label), append(s, p.Score)
		}
		a, _ := metrics.ROCAUC(y, s, nil)
		c, _ := metrics.ConfusionAt(y, s, nil, 0.3)
		tests := []struct {
			what      string
			got, want float64
		}{
			{"roc_auc", float64(w.ROCAUC), a},
			{"precision", float64(w.Precision), c.Precision()},
			{"recall", float64(w.Recall), c.Recall()},
			{"business", float64(w.Business), 10*c.TP - c.FP},
		}
		for _, tt := range tests {
			if math.Abs(tt.got-tt.want) > 1e-12 {
				t.Errorf("window %d %s = %v, want %v", k, tt.what, tt.got, tt.want)
			}
		}
		// Labels drawn from the scores: the estimate is close to the truth.
		for _, pair := range [][2]Number{{w.EstROCAUC, w.ROCAUC}, {w.EstPrecision, w.Precision}, {w.EstRecall, w.Recall}} {
			if d := math.Abs(float64(pair[0] - pair[1])); d > 0.06 {
				t.Errorf("window %d: estimate %v vs realised %v", k, pair[0], pair[1])
			}
		}
		if w.Calibration > 0.06 {
			t.Errorf("window %d: calibration error %v for calibrated scores", k, w.Calibration)
		}
	}
}

func TestWindowsEdges(t *testing.T) {
	preds := calibrated(10, 2)
	for i := range preds {
		preds[i].HasLabel = i < 3
		preds[i].Label = 1 // one class among the labelled
	}
	ws, err := Windows(preds, WindowOptions{Period: 5 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if len(ws) != 2 || ws[0].Rows != 5 || ws[0].Labelled != 3 || ws[1].Labelled != 0 {
		t.Fatalf("windows %+v, want 2 of 5 rows, 3 and 0 labelled", ws)
	}
	if !ws[0].End.Equal(t0.Add(5 * time.Minute)) {
		t.Errorf("first window ends %v, want %v", ws[0].End, t0.Add(5*time.Minute))
	}
	if !math.IsNaN(float64(ws[0].ROCAUC)) || !math.IsNaN(float64(ws[1].Precision)) {
		t.Errorf("one-class AUC %v and unlabelled precision %v, want NaN", ws[0].ROCAUC, ws[1].Precision)
	}
	if math.IsNaN(float64(ws[1].EstPrecision)) && ws[1].MeanScore >= 0.5 {
		t.Errorf("estimated precision NaN with scores above the threshold")
	}
	b, err := json.Marshal(ws)
	if err != nil || !strings.Contains(string(b), `"roc_auc":null`) {
		t.Errorf("JSON %s, %v: want null for undefined metrics", b, err)
	}
	for _, o := range []WindowOptions{{}, {Size: 2, Period: time.Hour}, {Months: 3, Size: 2}, {Months: -3}, {Size: 2, Threshold: 2}} {
		if _, err := Windows(preds, o); err == nil {
			t.Errorf("Windows(%+v): no error", o)
		}
	}
	bad := []Prediction{{Score: math.NaN()}}
	if _, err := Windows(bad, WindowOptions{Size: 1}); err == nil {
		t.Error("NaN score: no error")
	}
	if ws, err := Windows(nil, WindowOptions{Size: 1}); err != nil || len(ws) != 0 {
		t.Errorf("no predictions: %v, %v; want no windows", ws, err)
	}
}

func TestWindowsByCalendarMonths(t *testing.T) {
	at := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	// Out of order, a gap (no row in 2009's second half) and a time zone
	// that puts the last row in the next quarter in UTC.
	var preds []Prediction
	for _, s := range []string{"2009-03-31T23:59:59Z", "2009-01-01T00:00:00Z", "2009-04-01T00:00:00Z",
		"2010-01-15T12:00:00Z", "2010-03-31T22:30:00-02:00"} {
		preds = append(preds, Prediction{Time: at(s), Score: 0.5})
	}
	ws, err := Windows(preds, WindowOptions{Months: 3})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range ws {
		got = append(got, fmt.Sprintf("%s..%s:%d", w.Start.Format(time.DateOnly), w.End.Format(time.DateOnly), w.Rows))
	}
	want := []string{"2009-01-01..2009-04-01:2", "2009-04-01..2009-07-01:1", "2010-01-01..2010-04-01:1", "2010-04-01..2010-07-01:1"}
	if !slices.Equal(got, want) {
		t.Errorf("quarters %v, want %v", got, want)
	}
	ws, err = Windows(preds, WindowOptions{Months: 12})
	if err != nil || len(ws) != 2 || ws[0].Rows != 3 || !ws[1].End.Equal(at("2011-01-01T00:00:00Z")) {
		t.Errorf("years %+v, %v; want 2009 with 3 rows and 2010 ending 2011-01-01", ws, err)
	}
}

const logText = `{"request_id":"a","timestamp":"2026-11-01T10:00:00Z","model_name":"bank","model_version":"3","row":0,"inputs":{"age":41,"job":"admin."},"outputs":{"probability":0.8,"label":"yes"}}
{"request_id":"a","timestamp":"2026-11-01T10:00:00Z","model_name":"bank","model_version":"3","row":1,"inputs":{"age":null,"job":"blue-collar"},"outputs":{"probability":0.1,"label":"no"}}

{"request_id":"b","timestamp":"2026-11-01T11:00:00Z","model_name":"bank","model_version":"3","row":0,"inputs":{"age":30,"job":7},"outputs":{"probability":0.4,"label":"no"}}
`

func TestInferenceLog(t *testing.T) {
	preds, err := ReadInferenceLog(strings.NewReader(logText))
	if err != nil {
		t.Fatal(err)
	}
	if len(preds) != 3 || preds[1].Row != 1 || preds[2].Score != 0.4 || preds[0].Version != "3" {
		t.Fatalf("read %+v", preds)
	}
	labels, err := ReadLabels(strings.NewReader(`{"request_id":"a","row":0,"label":1} {"request_id":"b","label":false}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := JoinLabels(preds, labels); got != 2 || !preds[0].HasLabel || preds[1].HasLabel || preds[2].Label != 0 {
		t.Errorf("joined %d: %+v", got, preds)
	}
	f, err := InputsFrame(preds, "score")
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Names(); strings.Join(got, ",") != "age,job,score" {
		t.Errorf("columns %v", got)
	}
	if c, _ := f.Column("age"); c.Kind().String() != "float" || !c.IsMissing(1) {
		t.Errorf("age column %v, want float with row 1 missing", c.Kind())
	}
	if c, _ := f.Column("job"); c.Text(2) != "7" {
		t.Errorf("mixed job column row 2 = %q, want 7", c.Text(2))
	}
	for _, bad := range []string{`{"request_id":`, `{"request_id":"x","outputs":{}}`} {
		if _, err := ReadInferenceLog(strings.NewReader(bad)); err == nil {
			t.Errorf("ReadInferenceLog(%s): no error", bad)
		}
	}
	for _, bad := range []string{`{"request_id":"x","label":"yes"}`, `{"request_id":"x","label":2}`} {
		if _, err := ReadLabels(strings.NewReader(bad)); err == nil {
			t.Errorf("ReadLabels(%s): no error", bad)
		}
	}
}
