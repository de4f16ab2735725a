package metrics

import (
	"encoding/json"
	"math"
	"os"
	"strconv"
	"testing"
)

// The fixture is written by tests/reference/gen_metrics.py from scikit-learn
// and SciPy; every metric must agree within 1e-9.
const tol = 1e-9

type binaryCase struct {
	Name             string
	Y, P, W          []float64
	ROCAUC           float64 `json:"roc_auc"`
	AveragePrecision float64 `json:"average_precision"`
	LogLoss          float64 `json:"log_loss"`
	Brier            float64
	KS               *float64
	ROCCurve         struct {
		FPR, TPR   []float64
		Thresholds []*float64
	} `json:"roc_curve"`
	PRCurve struct {
		Precision, Recall, Thresholds []float64
	} `json:"pr_curve"`
	AtThreshold map[string]struct {
		Accuracy, Precision, Recall, F1 float64
		Confusion                       [4]float64
	} `json:"at_threshold"`
	Calibration map[string]struct {
		ProbTrue []float64 `json:"prob_true"`
		ProbPred []float64 `json:"prob_pred"`
	}
}

type regressionCase struct {
	Name          string
	Y, P, W       []float64
	RMSE, MAE, R2 float64
}

func loadFixture(t *testing.T) (bin []binaryCase, reg []regressionCase) {
	t.Helper()
	data, err := os.ReadFile("../../tests/reference/fixtures/metrics.json")
	if err != nil {
		t.Fatalf("reading fixture (run tests/reference/gen_metrics.py): %v", err)
	}
	var f struct {
		Binary     []binaryCase
		Regression []regressionCase
	}
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	return f.Binary, f.Regression
}

func near(t *testing.T, what string, got, want float64) {
	t.Helper()
	if math.IsNaN(got) && math.IsNaN(want) {
		return
	}
	if !(math.Abs(got-want) <= tol) { // a NaN got fails too
		t.Errorf("%s = %.17g, want %.17g (scikit-learn)", what, got, want)
	}
}

func nearSlice(t *testing.T, what string, got, want []float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s has %d points, want %d", what, len(got), len(want))
		return
	}
	for i := range got {
		near(t, what+"["+strconv.Itoa(i)+"]", got[i], want[i])
	}
}

// must returns a function that fails the test on a metric's error.
func must(t *testing.T) func(float64, error) float64 {
	return func(v float64, err error) float64 {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func TestBinaryMetricsMatchScikitLearn(t *testing.T) {
	bin, _ := loadFixture(t)
	for _, c := range bin {
		t.Run(c.Name, func(t *testing.T) {
			near(t, "ROCAUC", must(t)(ROCAUC(c.Y, c.P, c.W)), c.ROCAUC)
			near(t, "AveragePrecision", must(t)(AveragePrecision(c.Y, c.P, c.W)), c.AveragePrecision)
			near(t, "LogLoss", must(t)(LogLoss(c.Y, clip01(c.P), c.W)), c.LogLoss)
			near(t, "Brier", must(t)(Brier(c.Y, clip01(c.P), c.W)), c.Brier)
			if c.KS != nil {
				near(t, "KS", must(t)(KS(c.Y, c.P, c.W)), *c.KS)
			}

			fpr, tpr, thr, err := ROCCurve(c.Y, c.P, c.W)
			if err != nil {
				t.Fatal(err)
			}
			nearSlice(t, "fpr", fpr, c.ROCCurve.FPR)
			nearSlice(t, "tpr", tpr, c.ROCCurve.TPR)
			wantThr := make([]float64, len(c.ROCCurve.Thresholds))
			for i, v := range c.ROCCurve.Thresholds {
				wantThr[i] = math.Inf(1)
				if v != nil {
					wantThr[i] = *v
				}
			}
			if len(thr) > 0 && math.IsInf(thr[0], 1) && len(wantThr) > 0 && math.IsInf(wantThr[0], 1) {
				thr, wantThr = thr[1:], wantThr[1:]
			}
			nearSlice(t, "roc thresholds", thr, wantThr)

			prec, rec, pthr, err := PrecisionRecallCurve(c.Y, c.P, c.W)
			if err != nil {
				t.Fatal(err)
			}
			nearSlice(t, "precision", prec, c.PRCurve.Precision)
			nearSlice(t, "recall", rec, c.PRCurve.Recall)
			nearSlice(t, "pr thresholds", pthr, c.PRCurve.Thresholds)

			for ts, want := range c.AtThreshold {
				th, _ := strconv.ParseFloat(ts, 64)
				cm, err := ConfusionAt(c.Y, c.P, c.W, th)
				if err != nil {
					t.Fatal(err)
				}
				near(t, "accuracy@"+ts, cm.Accuracy(), want.Accuracy)
				near(t, "precision@"+ts, cm.Precision(), want.Precision)
				near(t, "recall@"+ts, cm.Recall(), want.Recall)
				near(t, "f1@"+ts, cm.F1(), want.F1)
				nearSlice(t, "confusion@"+ts, []float64{cm.TN, cm.FP, cm.FN, cm.TP}, want.Confusion[:])
			}
			for strategy, want := range c.Calibration {
				pt, pp, err := CalibrationCurve(c.Y, clip01(c.P), 10, strategy)
				if err != nil {
					t.Fatal(err)
				}
				nearSlice(t, strategy+" prob_true", pt, want.ProbTrue)
				nearSlice(t, strategy+" prob_pred", pp, want.ProbPred)
			}
		})
	}
}

func TestRegressionMetricsMatchScikitLearn(t *testing.T) {
	_, reg := loadFixture(t)
	for _, c := range reg {
		t.Run(c.Name, func(t *testing.T) {
			near(t, "RMSE", must(t)(RMSE(c.Y, c.P, c.W)), c.RMSE)
			near(t, "MAE", must(t)(MAE(c.Y, c.P, c.W)), c.MAE)
			near(t, "R2", must(t)(R2(c.Y, c.P, c.W)), c.R2)
		})
	}
}

func clip01(p []float64) []float64 {
	out := make([]float64, len(p))
	for i, v := range p {
		out[i] = math.Min(math.Max(v, 0), 1)
	}
	return out
}
