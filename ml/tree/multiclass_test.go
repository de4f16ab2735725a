package tree

import (
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/weir-ml/weir/ml"
)

// synthetic3 returns n rows of p ≥ 3 features and labels 0..k-1, the most
// likely class being the one whose feature is largest.
func synthetic3(n, p, k int, seed uint64) (*ml.Matrix, []float64) {
	rng := rand.New(rand.NewPCG(seed, 2))
	X := ml.NewMatrix(n, p)
	y := make([]float64, n)
	for i := range n {
		for j := range p {
			X.Cols[j][i] = rng.NormFloat64()
		}
		best := 0
		for c := range k {
			if X.Cols[c%p][i]+0.5*rng.NormFloat64() > X.Cols[best%p][i] {
				best = c
			}
		}
		y[i] = float64(best)
	}
	return X, y
}

func TestMulticlassBadInput(t *testing.T) {
	X, y := synthetic3(30, 3, 3, 1)
	label := func(i int, v float64) []float64 {
		bad := append([]float64(nil), y...)
		bad[i] = v
		return bad
	}
	tests := []struct {
		name     string
		nClasses int
		y        []float64
		want     string // in the error
	}{
		{"one class", 1, y, "NClasses 1: a classifier needs 2 to 4096 classes"},
		{"negative class count", -3, y, "NClasses -3"},
		{"label above NClasses", 3, label(4, 3), "y[4] = 3: labels must be class indices 0 to 2 (NClasses 3)"},
		{"negative label", 0, label(7, -1), "y[7] = -1: labels must be class indices"},
		{"fractional label", 0, label(2, 1.5), "y[2] = 1.5"},
		{"NaN label", 0, label(9, math.NaN()), "y[9] = NaN"},
		{"infinite label", 0, label(0, math.Inf(1)), "y[0] = +Inf"},
		{"huge label", 0, label(3, 1e9), "y[3] = 1e+09: labels must be class indices 0, 1, ... up to 4095"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := NewRandomForestClassifier()
			f.NEstimators, f.NClasses = 2, tt.nClasses
			d := NewDecisionTreeClassifier()
			d.NClasses = tt.nClasses
			for name, err := range map[string]error{
				"forest": f.Fit(context.Background(), X, tt.y, nil),
				"tree":   d.Fit(context.Background(), X, tt.y, nil),
			} {
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Errorf("%s: Fit error %v, want one containing %q", name, err, tt.want)
				}
			}
		})
	}
	t.Run("class weight out of range", func(t *testing.T) {
		f := NewRandomForestClassifier()
		f.ClassWeight = map[int]float64{3: 2}
		if err := f.Fit(context.Background(), X, y, nil); err == nil || !strings.Contains(err.Error(), "class weight for class 3: classes are 0 to 2") {
			t.Errorf("Fit error %v, want the class weight named", err)
		}
	})
	t.Run("NClasses on a regressor", func(t *testing.T) {
		r := NewRandomForestRegressor()
		r.NClasses = 3
		if err := r.Fit(context.Background(), X, y, nil); err == nil || !strings.Contains(err.Error(), "NClasses applies to classifiers only") {
			t.Errorf("Fit error %v, want NClasses refused", err)
		}
	})
	t.Run("binary predictions of a multiclass model", func(t *testing.T) {
		f := NewRandomForestClassifier()
		f.NEstimators = 3
		if err := f.Fit(context.Background(), X, y, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := f.PredictProba(X); err == nil || !strings.Contains(err.Error(), "model has 3 classes") {
			t.Errorf("PredictProba error %v, want the class count named", err)
		}
		if got := f.PredictRow(X.Row(0, nil)); !math.IsNaN(got) {
			t.Errorf("PredictRow = %v, want NaN for a multiclass forest", got)
		}
	})
}

func TestMulticlassForest(t *testing.T) {
	X, y := synthetic3(1500, 6, 4, 3)
	XT, yt := synthetic3(500, 6, 4, 4)
	var first []float64
	for _, workers := range []int{1, 2, 5} {
		m := NewRandomForestClassifier()
		m.NEstimators, m.Seed, m.Workers, m.OOBScore = 30, 7, workers, true
		if err := m.Fit(context.Background(), X, y, nil); err != nil {
			t.Fatal(err)
		}
		if got, want := m.NumClasses(), 4; got != want {
			t.Fatalf("NumClasses = %d, want %d", got, want)
		}
		p, err := m.PredictProbaMulti(XT)
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = p
			acc := accuracy(p, 4, yt)
			var count [4]float64
			for _, v := range yt {
				count[int(v)]++
			}
			guess := max(count[0], count[1], count[2], count[3]) / float64(len(yt))
			t.Logf("test accuracy %.3f, out-of-bag %.3f, largest class %.3f", acc, m.OOBAccuracy, guess)
			if acc < guess+0.2 {
				t.Errorf("test accuracy %.3f, want 0.2 above guessing the largest class (%.3f)", acc, guess)
			}
			if math.Abs(m.OOBAccuracy-acc) > 0.05 {
				t.Errorf("out-of-bag accuracy %.3f, want within 0.05 of the test accuracy %.3f", m.OOBAccuracy, acc)
			}
			if got, want := len(m.OOBPrediction), 4*X.Rows; got != want {
				t.Errorf("len(OOBPrediction) = %d, want %d", got, want)
			}
			if !math.IsNaN(m.OOBAUC) {
				t.Errorf("OOBAUC = %v, want NaN for a multiclass forest", m.OOBAUC)
			}
			checkProbaRows(t, p, 4)
			row, out := make([]float64, 6), make([]float64, 4)
			for i := range XT.Rows {
				m.PredictProbaRow(XT.Row(i, row), out)
				for c := range out {
					if out[c] != p[i*4+c] {
						t.Fatalf("row %d: PredictProbaRow P(y=%d) = %v, PredictProbaMulti %v", i, c, out[c], p[i*4+c])
					}
				}
			}
			continue
		}
		for i := range p {
			if p[i] != first[i] {
				t.Fatalf("workers=%d: probability %d = %v, with 1 worker %v", workers, i, p[i], first[i])
			}
		}
	}
}

// checkProbaRows wants every row of k probabilities in [0, 1] summing to 1.
func checkProbaRows(t *testing.T, p []float64, k int) {
	t.Helper()
	for i := 0; i < len(p); i += k {
		s := 0.0
		for _, v := range p[i : i+k] {
			if v < 0 || v > 1 {
				t.Fatalf("row %d: probability %v outside 0 to 1", i/k, v)
			}
			s += v
		}
		if math.Abs(s-1) > 1e-12 {
			t.Fatalf("row %d: probabilities sum to %v, want 1", i/k, s)
		}
	}
}

func TestMulticlassNClassesKeepsAbsentClasses(t *testing.T) {
	X, y := synthetic3(200, 3, 3, 5) // labels 0..2
	m := NewRandomForestClassifier()
	m.NEstimators, m.NClasses = 5, 5
	if err := m.Fit(context.Background(), X, y, nil); err != nil {
		t.Fatal(err)
	}
	p, err := m.PredictProbaMulti(X)
	if err != nil {
		t.Fatal(err)
	}
	checkProbaRows(t, p, 5)
	for i := range X.Rows {
		if p[i*5+3] != 0 || p[i*5+4] != 0 {
			t.Fatalf("row %d: classes 3 and 4 have probabilities %v and %v, want 0 (no training rows)", i, p[i*5+3], p[i*5+4])
		}
	}
}

// TestBinaryThroughMulticlassInterface wants a binary forest's
// PredictProbaMulti to be (1-p, p) of its PredictProba, and a binary fit
// to keep writing format_version 1 JSON.
func TestBinaryThroughMulticlassInterface(t *testing.T) {
	X, y := synthetic(300, 5, 9)
	m := NewRandomForestClassifier()
	m.NEstimators = 5
	if err := m.Fit(context.Background(), X, y, nil); err != nil {
		t.Fatal(err)
	}
	if got, want := m.NumClasses(), 2; got != want {
		t.Errorf("NumClasses = %d, want %d", got, want)
	}
	p1, _ := m.PredictProba(X)
	p2, err := m.PredictProbaMulti(X)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]float64, 2)
	for i := range X.Rows {
		m.PredictProbaRow(X.Row(i, nil), out)
		if p2[2*i] != 1-p1[i] || p2[2*i+1] != p1[i] || out[0] != p2[2*i] || out[1] != p2[2*i+1] {
			t.Fatalf("row %d: PredictProbaMulti (%v, %v), PredictProbaRow (%v, %v), want (1-p, p) of p = %v", i, p2[2*i], p2[2*i+1], out[0], out[1], p1[i])
		}
	}
	m.PredictProbaRow(X.Row(0, nil), make([]float64, 3))
	data, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if s := string(data); !strings.HasPrefix(s, `{"format_version":1,`) || strings.Contains(s, "n_classes") || strings.Contains(s, "class_dist") {
		t.Errorf("binary forest JSON starts %.60s and mentions classes: want format_version 1 as before", s)
	}
}

func TestRowProbaGuards(t *testing.T) {
	X, y := synthetic3(100, 3, 3, 6)
	m := NewDecisionTreeClassifier()
	out := make([]float64, 3)
	m.PredictProbaRow([]float64{1, 2, 3}, out)
	if !math.IsNaN(out[0]) {
		t.Errorf("unfitted tree: PredictProbaRow wrote %v, want NaN", out[0])
	}
	if err := m.Fit(context.Background(), X, y, nil); err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct{ row, out []float64 }{
		"short row": {[]float64{1, 2}, make([]float64, 3)},
		"short out": {[]float64{1, 2, 3}, make([]float64, 2)},
	} {
		m.PredictProbaRow(tc.row, tc.out)
		if !math.IsNaN(tc.out[0]) {
			t.Errorf("%s: PredictProbaRow wrote %v, want NaN", name, tc.out[0])
		}
	}
	if _, err := NewRandomForestClassifier().PredictProbaMulti(X); err == nil {
		t.Error("PredictProbaMulti before Fit succeeded, want an error")
	}
	if _, err := m.PredictProbaMulti(ml.NewMatrix(2, 4)); err == nil {
		t.Error("PredictProbaMulti on 4 columns of a 3-feature tree succeeded, want an error")
	}
}

func TestMulticlassJSON(t *testing.T) {
	X, y := synthetic3(300, 4, 3, 8)
	f := NewRandomForestClassifier()
	f.NEstimators, f.MaxDepth = 4, 3
	if err := f.Fit(context.Background(), X, y, nil); err != nil {
		t.Fatal(err)
	}
	d := NewDecisionTreeClassifier()
	d.MaxDepth = 2
	if err := d.Fit(context.Background(), X, y, nil); err != nil {
		t.Fatal(err)
	}
	for _, m := range []interface {
		ml.MulticlassClassifier
		json.Marshaler
		json.Unmarshaler
	}{f, d} {
		data, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(string(data), `{"format_version":2,`) {
			t.Errorf("JSON starts %.40s, want format_version 2", data)
		}
		var back interface {
			ml.MulticlassClassifier
			json.Unmarshaler
		} = &RandomForestClassifier{}
		if _, ok := m.(*DecisionTreeClassifier); ok {
			back = &DecisionTreeClassifier{}
		}
		if err := json.Unmarshal(data, back); err != nil {
			t.Fatal(err)
		}
		want, _ := m.PredictProbaMulti(X)
		got, err := back.PredictProbaMulti(X)
		if err != nil {
			t.Fatal(err)
		}
		if back.NumClasses() != 3 {
			t.Errorf("NumClasses after a round trip = %d, want 3", back.NumClasses())
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("probability %d after a round trip = %v, want %v", i, got[i], want[i])
			}
		}
	}
}

func TestMulticlassJSONRejectsDamage(t *testing.T) {
	leaf := `{"feature":[-1],"left":[0],"right":[0],"threshold":[0],"value":[0],"impurity":[0],"weight":[1],"samples":[1],"n_classes":3,"class_dist":[0.5,0.25,0.25]}`
	ok := `{"format_version":2,"model":"random_forest_classifier","params":{},"n_classes":3,"n_features":1,"feature_importances":[0],"trees":[` + leaf + `]}`
	var m RandomForestClassifier
	if err := json.Unmarshal([]byte(ok), &m); err != nil {
		t.Fatalf("valid JSON rejected: %v", err)
	}
	out := make([]float64, 3)
	m.PredictProbaRow([]float64{1}, out)
	if out[0] != 0.5 || out[1] != 0.25 || out[2] != 0.25 {
		t.Errorf("PredictProbaRow = %v %v %v, want 0.5 0.25 0.25", out[0], out[1], out[2])
	}
	tests := []struct{ name, old, new, want string }{
		{"version 1 with classes", `"format_version":2`, `"format_version":1`, "n_classes needs format_version 2"},
		{"future version", `"format_version":2`, `"format_version":3`, "format_version 3 is not supported"},
		{"two classes", `"n_classes":3,"n_features"`, `"n_classes":2,"n_features"`, "n_classes 2"},
		{"regressor", `random_forest_classifier`, `random_forest_regressor`, "JSON holds model"},
		{"tree classes", `"n_classes":3,"class_dist"`, `"n_classes":4,"class_dist"`, "tree 0 has 4 classes, model has 3"},
		{"short distribution", `[0.5,0.25,0.25]`, `[0.5,0.5]`, "2 class_dist values for 1 nodes of 3 classes"},
		{"negative probability", `[0.5,0.25,0.25]`, `[1.5,-0.25,-0.25]`, "class 0 has probability 1.5"},
		{"not summing to 1", `[0.5,0.25,0.25]`, `[0.5,0.25,0.2]`, "sum to 0.95"},
		{"no distribution", `,"n_classes":3,"class_dist":[0.5,0.25,0.25]}`, `}`, "tree 0 has 0 classes, model has 3"},
		{"distribution without classes", `"n_classes":3,"class_dist"`, `"class_dist"`, "tree 0 has 0 classes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bad := strings.Replace(ok, tt.old, tt.new, 1)
			if bad == ok {
				t.Fatalf("replacing %q changed nothing", tt.old)
			}
			var m RandomForestClassifier
			err := json.Unmarshal([]byte(bad), &m)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Unmarshal error %v, want one containing %q", err, tt.want)
			}
		})
	}
	// A binary file of the old form still reads, as a 2-class model.
	bin := `{"format_version":1,"model":"decision_tree_classifier","params":{},"n_features":1,"feature_importances":[0],"trees":[{"feature":[-1],"left":[0],"right":[0],"threshold":[0],"value":[0.25],"impurity":[0],"weight":[1],"samples":[1]}]}`
	var d DecisionTreeClassifier
	if err := json.Unmarshal([]byte(bin), &d); err != nil {
		t.Fatal(err)
	}
	d.PredictProbaRow([]float64{0}, out[:2])
	if d.NumClasses() != 2 || out[0] != 0.75 || out[1] != 0.25 {
		t.Errorf("binary tree: NumClasses %d, probabilities %v %v, want 2, 0.75 0.25", d.NumClasses(), out[0], out[1])
	}
}
