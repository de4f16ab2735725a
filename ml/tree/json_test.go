package tree

import (
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"
)

func TestForestJSONRoundTrip(t *testing.T) {
	X, y := synthetic(400, 5, 9)
	X.Names = []string{"a", "b", "c", "d", "e"}
	m := NewRandomForestClassifier()
	m.NEstimators, m.OOBScore, m.MaxDepth = 5, true, 6
	if err := m.Fit(context.Background(), X, y, nil); err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"format_version":1`) {
		t.Fatalf("JSON has no format_version: %.200s", data)
	}
	var got RandomForestClassifier
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	want, _ := m.PredictProba(X)
	p, err := got.PredictProba(X)
	if err != nil {
		t.Fatal(err)
	}
	for i := range p {
		if p[i] != want[i] {
			t.Fatalf("row %d: proba after round trip %v, want %v", i, p[i], want[i])
		}
	}
	if got.OOBAUC != m.OOBAUC || got.MaxDepth != 6 || got.FeatureNames[4] != "e" || got.FeatureImportances[0] != m.FeatureImportances[0] {
		t.Errorf("round trip lost fitted fields: %+v", got.Forest.Params)
	}
}

func TestTreeJSONRoundTrip(t *testing.T) {
	X, _ := synthetic(300, 5, 10)
	y := make([]float64, X.Rows)
	for i := range y {
		y[i] = X.Cols[0][i] * 3
	}
	m := NewDecisionTreeRegressor()
	m.MaxDepth = 4
	if err := m.Fit(context.Background(), X, y, nil); err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var got DecisionTreeRegressor
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	want, _ := m.Predict(X)
	p, _ := got.Predict(X)
	for i := range p {
		if p[i] != want[i] {
			t.Fatalf("row %d: prediction after round trip %v, want %v", i, p[i], want[i])
		}
	}
	// A classifier's JSON is not a regressor's.
	var c DecisionTreeClassifier
	if err := json.Unmarshal(data, &c); err == nil {
		t.Error("DecisionTreeClassifier read a regressor's JSON, want an error")
	}
}

func TestModelJSONRejectsBadInput(t *testing.T) {
	leaf := `{"feature":[-1],"left":[0],"right":[0],"threshold":[0],"value":[0.5],"impurity":[0],"weight":[1],"samples":[1]}`
	ok := `{"format_version":1,"model":"random_forest_classifier","params":{},"n_features":1,"feature_importances":[0],"trees":[` + leaf + `]}`
	var m RandomForestClassifier
	if err := json.Unmarshal([]byte(ok), &m); err != nil {
		t.Fatalf("valid JSON rejected: %v", err)
	}
	if got := m.PredictRow([]float64{3}); got != 0.5 {
		t.Errorf("PredictRow = %v, want 0.5", got)
	}
	for name, bad := range map[string]string{
		"version":       strings.Replace(ok, `"format_version":1`, `"format_version":9`, 1),
		"model":         strings.Replace(ok, `random_forest_classifier`, `random_forest_regressor`, 1),
		"no trees":      strings.Replace(ok, `[`+leaf+`]`, `[]`, 1),
		"null tree":     strings.Replace(ok, `[`+leaf+`]`, `[null]`, 1),
		"importances":   strings.Replace(ok, `"feature_importances":[0]`, `"feature_importances":[0,1]`, 1),
		"ragged arrays": strings.Replace(ok, `"value":[0.5]`, `"value":[0.5,1]`, 1),
		"feature range": strings.Replace(ok, `"feature":[-1]`, `"feature":[3]`, 1),
		"child loop":    strings.Replace(ok, `"feature":[-1]`, `"feature":[0]`, 1),
		"not an object": `[1]`,
	} {
		var m RandomForestClassifier
		if err := json.Unmarshal([]byte(bad), &m); err == nil {
			t.Errorf("%s: Unmarshal succeeded, want an error", name)
		}
	}
	if _, err := json.Marshal(NewRandomForestClassifier()); err == nil {
		t.Error("Marshal of an unfitted forest succeeded, want an error")
	}
	if math.IsNaN(m.OOBAUC) != true {
		t.Errorf("OOBAUC of a forest stored without OOB = %v, want NaN", m.OOBAUC)
	}
}
