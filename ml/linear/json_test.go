package linear

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// TestMultinomialJSONRoundTrip checks that a three-class model scores the
// same after a round trip, that marshalling twice gives the same bytes and
// that the binary form is unchanged by the multiclass one.
func TestMultinomialJSONRoundTrip(t *testing.T) {
	X, y := threeClassData()
	X.Names = []string{"a", "b"}
	m := NewLogisticRegression()
	m.ClassWeight = map[int]float64{2: 3, 0: 0.5}
	if err := m.Fit(context.Background(), X, y, nil); err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := json.Marshal(m)
	if !bytes.Equal(data, again) {
		t.Errorf("two marshals differ:\n%s\n%s", data, again)
	}
	for _, want := range []string{`"format_version":1`, `"model":"multinomial_logistic_regression"`, `"n_classes":3`} {
		if !strings.Contains(string(data), want) {
			t.Errorf("JSON %s has no %s", data, want)
		}
	}
	var got LogisticRegression
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	p1, _ := m.PredictProbaMulti(X)
	p2, err := got.PredictProbaMulti(X)
	if err != nil {
		t.Fatal(err)
	}
	for i := range p1 {
		if p1[i] != p2[i] {
			t.Errorf("proba[%d] after round trip = %v, want %v", i, p2[i], p1[i])
		}
	}
	if got.NumClasses() != 3 || got.FeatureNames[1] != "b" || got.ClassWeight[2] != 3 {
		t.Errorf("round trip lost settings: %d classes, names %q, class weights %v, %v", got.NumClasses(), got.FeatureNames, got.ClassWeight[0], got.ClassWeight[2])
	}
	// A binary model refitted after a multiclass one writes the binary form.
	Xb, yb := smallData()
	if err := got.Fit(context.Background(), Xb, yb, nil); err == nil {
		t.Error("refit with Classes = 3 on 0/1 labels succeeded, want a missing-class error")
	}
	got.Classes = 0
	got.ClassWeight = nil
	if err := got.Fit(context.Background(), Xb, yb, nil); err != nil {
		t.Fatal(err)
	}
	bin, _ := json.Marshal(&got)
	if !strings.Contains(string(bin), `"model":"logistic_regression"`) || strings.Contains(string(bin), "n_classes") {
		t.Errorf("binary refit wrote %s, want the binary form", bin)
	}
}

func TestMultinomialJSONBad(t *testing.T) {
	const head = `{"format_version":1,"model":"multinomial_logistic_regression","penalty":"l2","C":1,"fit_intercept":true,`
	tests := []struct {
		name, json, wantErr string
	}{
		{"version", `{"format_version":2,"model":"multinomial_logistic_regression"}`, "format_version 2 is not supported"},
		{"model", `{"format_version":1,"model":"ridge"}`, `JSON holds model "ridge"`},
		{"two classes", head + `"n_classes":2,"coef":[[1],[2]],"intercept":[0,0],"n_iter":1,"converged":true}`, "n_classes = 2"},
		{"huge n_classes", head + `"n_classes":1000000000,"coef":[[1]],"intercept":[0],"n_iter":1,"converged":true}`, "n_classes = 1000000000"},
		{"rows", head + `"n_classes":3,"coef":[[1],[2]],"intercept":[0,0,0],"n_iter":1,"converged":true}`, "2 coefficient rows"},
		{"intercepts", head + `"n_classes":3,"coef":[[1],[2],[3]],"intercept":[0],"n_iter":1,"converged":true}`, "1 intercepts"},
		{"ragged", head + `"n_classes":3,"coef":[[1,2],[2],[3,4]],"intercept":[0,0,0],"n_iter":1,"converged":true}`, "row 1 has 1 values"},
		{"null rows", head + `"n_classes":3,"coef":[null,null,null],"intercept":[0,0,0],"n_iter":1,"converged":true}`, "no coefficients"},
		{"names", head + `"n_classes":3,"coef":[[1],[2],[3]],"intercept":[0,0,0],"feature_names":["a","b"],"n_iter":1,"converged":true}`, "2 feature names"},
		{"class weight", head + `"n_classes":3,"class_weight":{"7":1},"coef":[[1],[2],[3]],"intercept":[0,0,0],"n_iter":1,"converged":true}`, "class 7"},
		{"unknown field", head + `"n_classes":3,"coef":[[1],[2],[3]],"intercept":[0,0,0],"bias":1,"n_iter":1,"converged":true}`, `unknown field "bias"`},
		{"string coef", head + `"n_classes":3,"coef":[["x"],[2],[3]],"intercept":[0,0,0],"n_iter":1,"converged":true}`, "cannot unmarshal"},
		{"truncated", head + `"n_classes":3,"coef":[[1],[2],[3]`, "unexpected end"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m LogisticRegression
			err := json.Unmarshal([]byte(tt.json), &m)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Unmarshal error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

// TestRegressionJSON checks round trips of LinearRegression and Ridge and
// that damaged files fail at load.
func TestRegressionJSON(t *testing.T) {
	X, _ := smallData()
	X.Names = []string{"a", "b"}
	y := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	lr, rd := NewLinearRegression(), NewRidge()
	rd.Alpha = 0.25
	for _, m := range []fittedLinear{lr, rd} {
		if _, err := json.Marshal(m); err == nil {
			t.Errorf("%T: Marshal before Fit succeeded, want an error", m)
		}
		if err := m.Fit(context.Background(), X, y, nil); err != nil {
			t.Fatal(err)
		}
	}
	var lr2 LinearRegression
	var rd2 Ridge
	for _, tt := range []struct {
		in, out fittedLinear
		model   string
	}{{lr, &lr2, "linear_regression"}, {rd, &rd2, "ridge"}} {
		data, err := json.Marshal(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(data), `{"format_version":1,"model":"`+tt.model+`"`) {
			t.Errorf("JSON %s does not start with format_version 1 and model %q", data, tt.model)
		}
		if err := json.Unmarshal(data, tt.out); err != nil {
			t.Fatal(err)
		}
		p1, _ := tt.in.Predict(X)
		p2, err := tt.out.Predict(X)
		if err != nil {
			t.Fatal(err)
		}
		for i := range p1 {
			if p1[i] != p2[i] {
				t.Errorf("%s: pred[%d] after round trip = %v, want %v", tt.model, i, p2[i], p1[i])
			}
		}
		again, _ := json.Marshal(tt.out)
		if !bytes.Equal(data, again) {
			t.Errorf("%s: JSON changed in a round trip:\n%s\n%s", tt.model, data, again)
		}
	}
	if rd2.Alpha != 0.25 || lr2.Rank != 2 || lr2.Tol != 1e-6 || lr2.FeatureNames[0] != "a" {
		t.Errorf("round trip lost settings: alpha %v, rank %d, tol %v, names %q", rd2.Alpha, lr2.Rank, lr2.Tol, lr2.FeatureNames)
	}

	bad := []struct {
		name    string
		into    any
		json    string
		wantErr string
	}{
		{"version", &LinearRegression{}, `{"format_version":3,"model":"linear_regression","tol":1e-6,"coef":[1],"intercept":0,"rank":1}`, "format_version 3"},
		{"wrong model", &LinearRegression{}, `{"format_version":1,"model":"ridge","alpha":1,"coef":[1],"intercept":0}`, `JSON holds model "ridge"`},
		{"no coef", &LinearRegression{}, `{"format_version":1,"model":"linear_regression","tol":1e-6,"coef":[],"intercept":0,"rank":0}`, "no coefficients"},
		{"rank", &LinearRegression{}, `{"format_version":1,"model":"linear_regression","tol":1e-6,"coef":[1],"intercept":0,"rank":4}`, "rank 4"},
		{"no rank", &LinearRegression{}, `{"format_version":1,"model":"linear_regression","tol":1e-6,"coef":[1],"intercept":0}`, "must have tol and rank"},
		{"names", &LinearRegression{}, `{"format_version":1,"model":"linear_regression","tol":1e-6,"coef":[1],"intercept":0,"rank":1,"feature_names":["a","b"]}`, "2 feature names"},
		{"trailing", &LinearRegression{}, `{"format_version":1,"model":"linear_regression","tol":1e-6,"coef":[1],"intercept":0,"rank":1} {}`, "invalid character"},
		{"negative alpha", &Ridge{}, `{"format_version":1,"model":"ridge","alpha":-1,"coef":[1],"intercept":0}`, "alpha = -1"},
		{"no alpha", &Ridge{}, `{"format_version":1,"model":"ridge","coef":[1],"intercept":0}`, "must have alpha"},
		{"unknown field", &Ridge{}, `{"format_version":1,"model":"ridge","alpha":1,"coef":[1],"intercept":0,"solver":"svd"}`, `unknown field "solver"`},
		{"not an object", &Ridge{}, `[1,2]`, "cannot unmarshal array"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			err := json.Unmarshal([]byte(tt.json), tt.into)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Unmarshal error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

// FuzzUnmarshal checks that no file, however damaged, makes loading or then
// scoring panic: a file either fails to load or scores a row.
func FuzzUnmarshal(f *testing.F) {
	X, y := threeClassData()
	m := NewLogisticRegression()
	if err := m.Fit(context.Background(), X, y, nil); err != nil {
		f.Fatal(err)
	}
	multi, _ := json.Marshal(m)
	f.Add(multi)
	Xb, yb := smallData()
	if err := m.Fit(context.Background(), Xb, yb, nil); err != nil {
		f.Fatal(err)
	}
	bin, _ := json.Marshal(m)
	f.Add(bin)
	for _, r := range []fittedLinear{NewLinearRegression(), NewRidge()} {
		if err := r.Fit(context.Background(), Xb, yb, nil); err != nil {
			f.Fatal(err)
		}
		data, _ := json.Marshal(r)
		f.Add(data)
	}
	row := []float64{0.5, -0.5}
	f.Fuzz(func(t *testing.T, data []byte) {
		var lr LogisticRegression
		if json.Unmarshal(data, &lr) == nil {
			out := make([]float64, lr.NumClasses())
			lr.PredictProbaRow(row, out)
			lr.PredictRow(row)
			if _, err := lr.PredictProbaMulti(matrixFromRows([][]float64{row})); err != nil && lr.NumFeatures() == 2 {
				t.Errorf("a loaded 2-feature model fails to score: %v", err)
			}
		}
		var ols LinearRegression
		if json.Unmarshal(data, &ols) == nil {
			ols.PredictRow(row)
		}
		var rd Ridge
		if json.Unmarshal(data, &rd) == nil {
			rd.PredictRow(row)
		}
	})
}
