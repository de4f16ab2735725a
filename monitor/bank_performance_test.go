package monitor

import (
	"math"
	"testing"
	"time"

	"github.com/weir-ml/weir/ml/frame"
	"github.com/weir-ml/weir/ml/linear"
)

// TestBankPerformanceWindows scores 2009–2010 with a logistic regression fit
// on 2008 and follows it over windows of 4,000 calls. The later campaigns
// convert several times as often (positive rate 0.1 rising to 0.5) and the
// model ranks worse in the last windows (ROC AUC from about 0.58 to below
// 0.5), while its scores, calibrated on 2008, keep saying 5%. A monitor must
// show all three: realised precision far above the estimate from the
// scores, a calibration error that grows, and an alert on the AUC drop. The
// estimate from scores alone cannot see the ranking break, which is why
// realised metrics stand beside it once labels arrive.
func TestBankPerformanceWindows(t *testing.T) {
	ref, cur := loadBank(t)
	features := []string{"age", "balance", "day", "campaign", "pdays", "previous"}
	X, err := ref.Matrix(features...)
	if err != nil {
		t.Fatal(err)
	}
	m := linear.NewLogisticRegression()
	if err := m.Fit(t.Context(), X, labels(t, ref), nil); err != nil {
		t.Fatal(err)
	}
	Xc, err := cur.Matrix(features...)
	if err != nil {
		t.Fatal(err)
	}
	scores, err := m.PredictProba(Xc)
	if err != nil {
		t.Fatal(err)
	}
	y := labels(t, cur)
	preds := make([]Prediction, len(y))
	for i := range preds {
		preds[i] = Prediction{RequestID: "bank", Row: i, Time: t0.Add(time.Duration(i) * time.Minute), Score: scores[i], Label: y[i], HasLabel: true}
	}
	ws, err := Windows(preds, WindowOptions{Size: 4000, Threshold: 0.05, Value: Value{TP: 20, FP: -1, FN: 0, TN: 0}})
	if err != nil {
		t.Fatal(err)
	}
	if len(ws) != 5 {
		t.Fatalf("%d windows, want 5 (17,482 rows by 4,000)", len(ws))
	}
	for i, w := range ws {
		t.Logf("window %d: rows %d AUC %.3f (est %.3f) precision %.3f (est %.3f) recall %.3f (est %.3f) positive rate %.3f mean score %.3f value %.0f (est %.0f)",
			i, w.Rows, w.ROCAUC, w.EstROCAUC, w.Precision, w.EstPrecision, w.Recall, w.EstRecall, w.PositiveRate, w.MeanScore, w.Business, w.EstBusiness)
		for _, v := range []Number{w.ROCAUC, w.EstROCAUC, w.Precision, w.EstPrecision, w.Recall, w.EstRecall} {
			if math.IsNaN(float64(v)) {
				t.Errorf("window %d has an undefined metric: %+v", i, w)
			}
		}
	}
	for i, w := range ws {
		if !(w.Precision > 2*w.EstPrecision) {
			t.Errorf("window %d: realised precision %.3f not well above the estimate %.3f from 2008-calibrated scores", i, w.Precision, w.EstPrecision)
		}
	}
	if last := ws[len(ws)-1]; !(last.Calibration > 4*ws[0].Calibration) {
		t.Errorf("calibration error %.3f in the last window, %.3f in the first: want it to grow", last.Calibration, ws[0].Calibration)
	}
	alerts, err := Evaluate([]Rule{
		{Name: "auc", Kind: RuleMetricDrop, Metric: "roc_auc", MaxDrop: 0.05},
		{Name: "estimated auc", Kind: RuleMetricDrop, Metric: "estimated_roc_auc", MaxDrop: 0.05},
	}, nil, ws)
	if err != nil {
		t.Fatal(err)
	}
	if len(alerts) != 1 || alerts[0].Rule != "auc" {
		t.Errorf("alerts %+v: want the realised AUC drop alone", alerts)
	}
}

// labels reads the bank target y ("yes"/"no") as 1/0.
func labels(t *testing.T, f *frame.Frame) []float64 {
	t.Helper()
	c, err := f.Column("y")
	if err != nil {
		t.Fatal(err)
	}
	out := make([]float64, c.Len())
	for i := range out {
		if c.Text(i) == "yes" {
			out[i] = 1
		}
	}
	return out
}
