package metrics

import (
	"math"
	"strings"
	"testing"
)

// Three rows of three classes that sum to 1, used by the error tests.
var (
	errY     = []float64{0, 1, 2}
	errProba = []float64{0.7, 0.2, 0.1, 0.1, 0.8, 0.1, 0.2, 0.2, 0.6}
)

func TestMulticlassErrors(t *testing.T) {
	bad := func(i int, v float64) []float64 {
		p := append([]float64(nil), errProba...)
		p[i] = v
		return p
	}
	tests := []struct {
		name    string
		y, p, w []float64
		k       int
		want    string // part of the message
	}{
		{"one class setting", errY, errProba, nil, 1, "at least 2 classes"},
		{"empty", nil, nil, nil, 3, "y is empty"},
		{"short probabilities", errY, errProba[:8], nil, 3, "need 3×3 = 9 values, got 8"},
		{"label too big", []float64{0, 3, 2}, errProba, nil, 3, "y[1] = 3"},
		{"fractional label", []float64{0, 1.5, 2}, errProba, nil, 3, "y[1] = 1.5"},
		{"negative label", []float64{-1, 1, 2}, errProba, nil, 3, "y[0] = -1"},
		{"NaN label", []float64{0, math.NaN(), 2}, errProba, nil, 3, "y[1] = NaN"},
		{"probability above 1", errY, bad(4, 1.2), nil, 3, "class 1 in row 1 is 1.2"},
		{"negative probability", errY, bad(2, -0.1), nil, 3, "class 2 in row 0 is -0.1"},
		{"NaN probability", errY, bad(0, math.NaN()), nil, 3, "class 0 in row 0 is NaN"},
		{"short weights", errY, errProba, []float64{1, 1}, 3, "weights has 2"},
		{"negative weight", errY, errProba, []float64{1, -1, 1}, 3, "weights[1] = -1"},
		{"NaN weight", errY, errProba, []float64{1, 1, math.NaN()}, 3, "weights[2] = NaN"},
		{"zero weights", errY, errProba, []float64{0, 0, 0}, 3, "weights sum to zero"},
	}
	funcs := map[string]func(y, p []float64, k int, w []float64) (float64, error){
		"MulticlassLogLoss": MulticlassLogLoss,
		"MulticlassBrier":   MulticlassBrier,
		"ROCAUCOvR": func(y, p []float64, k int, w []float64) (float64, error) {
			return ROCAUCOvR(y, p, k, w, Macro)
		},
		// ROCAUCOvO takes no weights; the weight cases skip it.
		"ROCAUCOvO": func(y, p []float64, k int, w []float64) (float64, error) {
			return ROCAUCOvO(y, p, k, Weighted)
		},
		"Multiclass": func(y, p []float64, k int, w []float64) (float64, error) {
			_, err := Multiclass(y, p, k, w)
			return 0, err
		},
	}
	for _, tt := range tests {
		for name, f := range funcs {
			if name == "ROCAUCOvO" && tt.w != nil {
				continue
			}
			_, err := f(tt.y, tt.p, tt.k, tt.w)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("%s: %s: error %v, want one containing %q", tt.name, name, err, tt.want)
			}
		}
	}
}

func TestMulticlassAUCErrors(t *testing.T) {
	unnormalised := []float64{0.7, 0.2, 0.2, 0.1, 0.8, 0.1, 0.2, 0.2, 0.6}
	if _, err := ROCAUCOvR(errY, unnormalised, 3, nil, Macro); err == nil || !strings.Contains(err.Error(), "row 0 sum to 1.09") {
		t.Errorf("ROCAUCOvR of a row summing to 1.1: error %v, want one naming row 0", err)
	}
	if _, err := ROCAUCOvO([]float64{1, 1, 1}, errProba, 3, Macro); err == nil || !strings.Contains(err.Error(), "only one class") {
		t.Errorf("ROCAUCOvO with one class in y: error %v, want one saying so", err)
	}
	if _, err := ROCAUCOvR(errY, errProba, 3, nil, Average(7)); err == nil || !strings.Contains(err.Error(), "Average(7)") {
		t.Errorf("ROCAUCOvR with Average(7): error %v, want one naming it", err)
	}
	// Log loss, like scikit-learn, scores a row that does not sum to 1.
	if _, err := MulticlassLogLoss(errY, unnormalised, 3, nil); err != nil {
		t.Errorf("MulticlassLogLoss of an unnormalised row: %v", err)
	}
}

func TestBinaryLossesRefuseNonProbabilities(t *testing.T) {
	y := []float64{0, 1, 1}
	for _, tt := range []struct {
		name string
		p    []float64
		want string
	}{
		{"above 1", []float64{0.2, 1.5, 0.9}, "probability 1 is 1.5, outside [0, 1]"},
		{"below 0", []float64{-0.01, 0.5, 0.9}, "probability 0 is -0.01, outside [0, 1]"},
		{"NaN", []float64{0.2, 0.5, math.NaN()}, "2 is NaN"},
	} {
		for name, f := range map[string]func(y, p, w []float64) (float64, error){"LogLoss": LogLoss, "Brier": Brier} {
			if _, err := f(y, tt.p, nil); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("%s %s: error %v, want one containing %q", name, tt.name, err, tt.want)
			}
		}
		if _, err := Binary(y, tt.p, nil); err == nil {
			t.Errorf("Binary %s: no error", tt.name)
		}
	}
	// The ends of [0, 1] are allowed and clipped to a large finite loss.
	got, err := LogLoss(y, []float64{1, 0, 1}, nil)
	if err != nil || math.IsInf(got, 0) || got < 10 {
		t.Errorf("LogLoss of certain wrong answers = %v, %v; want a large finite loss", got, err)
	}
}

func TestConfusionMatrixSmall(t *testing.T) {
	// Worked by hand: class 2 is never predicted, class 3 never occurs.
	y := []float64{0, 0, 1, 1, 2, 2}
	pred := []float64{0, 1, 1, 1, 0, 3}
	w := []float64{1, 1, 2, 1, 1, 3}
	m, err := NewConfusionMatrix(y, pred, 4, w)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name      string
		got, want float64
	}{
		{"At(1,1)", m.At(1, 1), 3},
		{"At(2,3)", m.At(2, 3), 3},
		{"Accuracy", m.Accuracy(), 4.0 / 9},
		{"BalancedAccuracy", m.BalancedAccuracy(), (0.5 + 1 + 0) / 3},
		{"Precision(0)", m.Precision(0), 0.5},
		{"Precision(2)", m.Precision(2), 0},
		{"Recall(3)", m.Recall(3), 0},
		{"F1(1)", m.F1(1), 2 * 3.0 / (3 + 4)},
		{"RecallAvg(Macro)", m.RecallAvg(Macro), (0.5 + 1 + 0 + 0) / 4},
		{"RecallAvg(Weighted)", m.RecallAvg(Weighted), (2*0.5 + 3*1) / 9},
	} {
		if math.Abs(tt.got-tt.want) > 1e-15 {
			t.Errorf("%s = %v, want %v", tt.name, tt.got, tt.want)
		}
	}
	if _, err := NewConfusionMatrix(y, []float64{0, 1, 1, 1, 0, 4}, 4, nil); err == nil || !strings.Contains(err.Error(), "predictions[5] = 4") {
		t.Errorf("prediction out of range: error %v, want one naming predictions[5]", err)
	}
	if _, err := NewConfusionMatrix(y, pred[:5], 4, nil); err == nil {
		t.Error("short predictions: no error")
	}
}

func TestPredictedClassesTakesFirstOnTies(t *testing.T) {
	got, err := PredictedClasses([]float64{0.4, 0.4, 0.2, 0.1, 0.45, 0.45}, 3)
	if err != nil {
		t.Fatal(err)
	}
	if got[0] != 0 || got[1] != 1 {
		t.Errorf("PredictedClasses = %v, %v; want 0, 1", got[0], got[1])
	}
	if _, err := PredictedClasses([]float64{0.5, 0.5, 0.2}, 2); err == nil {
		t.Error("3 probabilities in rows of 2: no error")
	}
}

func TestMulticlassReportLeavesOutUndefinedAUC(t *testing.T) {
	y := []float64{1, 1, 1}
	got, err := Multiclass(y, errProba, 3, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"roc_auc_ovr", "roc_auc_ovr_weighted", "roc_auc_ovo", "roc_auc_ovo_weighted"} {
		if v, ok := got[key]; ok {
			t.Errorf("report has %s = %v with one class in y, want it left out", key, v)
		}
	}
	if _, ok := got["accuracy"]; !ok {
		t.Error("report has no accuracy")
	}
}

func TestPriorBaselineTies(t *testing.T) {
	// Classes 1 and 2 tie on weight: the smaller index wins, as argmax.
	labels, proba, err := PriorBaseline([]float64{1, 2, 2, 1, 0}, 4, []float64{2, 1, 1, 2, 1}, 2)
	if err != nil {
		t.Fatal(err)
	}
	if labels[0] != 1 || labels[1] != 1 {
		t.Errorf("PriorBaseline labels = %v, %v; want 1, 1", labels[0], labels[1])
	}
	want := []float64{1.0 / 7, 4.0 / 7, 2.0 / 7, 0}
	for i, v := range proba {
		if math.Abs(v-want[i%4]) > 1e-15 {
			t.Errorf("PriorBaseline proba[%d] = %v, want %v", i, v, want[i%4])
		}
	}
}
