package metrics

import (
	"encoding/json"
	"maps"
	"math"
	"os"
	"slices"
	"strconv"
	"testing"
)

// The fixture is written by tests/reference/gen_metrics_tasks.py from
// scikit-learn. Every value must agree within taskTol, absolute for values up
// to 1 in size and relative beyond (MAPE of a zero target is about 1e15).
const taskTol = 1e-9

// taskFixture holds the cases of metrics_tasks.json. A nil metric is one
// that scikit-learn gives as NaN.
type taskFixture struct {
	Multiclass []struct {
		Name              string
		K                 int
		Y, Proba, W, Pred []float64
		Confusion         []float64
		Metrics           map[string]*float64
		PriorBaseline     struct {
			Label float64
			Proba []float64
		} `json:"prior_baseline"`
	}
	Binary []struct {
		Name    string
		Y, P, W []float64
		Metrics map[string]*float64
	}
	Regression []struct {
		Name           string
		Y, P, W        []float64
		Metrics        map[string]*float64
		MeanBaseline   float64 `json:"mean_baseline"`
		MedianBaseline float64 `json:"median_baseline"`
	}
}

func loadTaskFixture(t *testing.T) taskFixture {
	t.Helper()
	data, err := os.ReadFile("../../tests/reference/fixtures/metrics_tasks.json")
	if err != nil {
		t.Fatalf("reading fixture (run tests/reference/gen_metrics_tasks.py): %v", err)
	}
	var f taskFixture
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Multiclass) == 0 || len(f.Binary) == 0 || len(f.Regression) == 0 {
		t.Fatal("fixture has an empty section")
	}
	return f
}

// nearTask compares got with scikit-learn's value; want nil means NaN.
func nearTask(t *testing.T, what string, got float64, want *float64) {
	t.Helper()
	if want == nil {
		if !math.IsNaN(got) {
			t.Errorf("%s = %.17g, want NaN (scikit-learn)", what, got)
		}
		return
	}
	// Written so that a NaN got fails too.
	if !(math.Abs(got-*want) <= taskTol*math.Max(1, math.Abs(*want))) {
		t.Errorf("%s = %.17g, want %.17g (scikit-learn)", what, got, *want)
	}
}

// checkReport compares a report with the fixture's metrics: the same keys,
// except that a metric scikit-learn gives as NaN must be left out.
func checkReport(t *testing.T, got map[string]float64, want map[string]*float64) {
	t.Helper()
	for _, key := range slices.Sorted(maps.Keys(want)) {
		v, ok := got[key]
		switch {
		case want[key] == nil && ok:
			t.Errorf("report has %s = %v, want it left out (undefined)", key, v)
		case want[key] != nil && !ok:
			t.Errorf("report has no %s", key)
		case ok:
			nearTask(t, key, v, want[key])
		}
	}
	for key := range got {
		if _, ok := want[key]; !ok {
			t.Errorf("report has %s, which scikit-learn did not compute", key)
		}
	}
}

func TestMulticlassMatchesScikitLearn(t *testing.T) {
	for _, c := range loadTaskFixture(t).Multiclass {
		t.Run(c.Name, func(t *testing.T) {
			report, err := Multiclass(c.Y, c.Proba, c.K, c.W)
			if err != nil {
				t.Fatal(err)
			}
			checkReport(t, report, c.Metrics)

			pred, err := PredictedClasses(c.Proba, c.K)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(pred, c.Pred) {
				t.Errorf("PredictedClasses differs from numpy.argmax")
			}
			cm, err := NewConfusionMatrix(c.Y, pred, c.K, c.W)
			if err != nil {
				t.Fatal(err)
			}
			for i, want := range c.Confusion {
				nearTask(t, "confusion["+strconv.Itoa(i/c.K)+"]["+strconv.Itoa(i%c.K)+"]", cm.Counts[i], &want)
			}

			// The single-metric functions, including the NaN that the
			// report leaves out.
			m := c.Metrics
			ovr, err := ROCAUCOvR(c.Y, c.Proba, c.K, c.W, Macro)
			if err != nil {
				t.Fatal(err)
			}
			nearTask(t, "ROCAUCOvR(Macro)", ovr, m["roc_auc_ovr"])
			ovrW, err := ROCAUCOvR(c.Y, c.Proba, c.K, c.W, Weighted)
			if err != nil {
				t.Fatal(err)
			}
			nearTask(t, "ROCAUCOvR(Weighted)", ovrW, m["roc_auc_ovr_weighted"])
			ll, err := MulticlassLogLoss(c.Y, c.Proba, c.K, c.W)
			if err != nil {
				t.Fatal(err)
			}
			nearTask(t, "MulticlassLogLoss", ll, m["log_loss"])
			br, err := MulticlassBrier(c.Y, c.Proba, c.K, c.W)
			if err != nil {
				t.Fatal(err)
			}
			nearTask(t, "MulticlassBrier", br, m["brier"])

			labels, proba, err := PriorBaseline(c.Y, c.K, c.W, 3)
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 3; i++ {
				if labels[i] != c.PriorBaseline.Label {
					t.Errorf("PriorBaseline label %d = %v, want %v", i, labels[i], c.PriorBaseline.Label)
				}
				for k, want := range c.PriorBaseline.Proba {
					nearTask(t, "PriorBaseline proba["+strconv.Itoa(i)+"]["+strconv.Itoa(k)+"]", proba[i*c.K+k], &want)
				}
			}
		})
	}
}

func TestBinaryReportMatchesScikitLearn(t *testing.T) {
	for _, c := range loadTaskFixture(t).Binary {
		t.Run(c.Name, func(t *testing.T) {
			report, err := Binary(c.Y, c.P, c.W)
			if err != nil {
				t.Fatal(err)
			}
			if c.W != nil {
				// scipy's two-sample KS takes no weights, so the fixture has
				// no weighted KS to compare with.
				delete(report, "ks")
			}
			checkReport(t, report, c.Metrics)
		})
	}
}

func TestRegressionReportMatchesScikitLearn(t *testing.T) {
	for _, c := range loadTaskFixture(t).Regression {
		t.Run(c.Name, func(t *testing.T) {
			report, err := Regression(c.Y, c.P, c.W)
			if err != nil {
				t.Fatal(err)
			}
			checkReport(t, report, c.Metrics)

			mean, err := MeanBaseline(c.Y, c.W, 2)
			if err != nil {
				t.Fatal(err)
			}
			median, err := MedianBaseline(c.Y, c.W, 2)
			if err != nil {
				t.Fatal(err)
			}
			for i := range 2 {
				nearTask(t, "MeanBaseline", mean[i], &c.MeanBaseline)
				nearTask(t, "MedianBaseline", median[i], &c.MedianBaseline)
			}
		})
	}
}
