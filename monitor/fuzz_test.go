package monitor

import (
	"encoding/json"
	"strings"
	"testing"
)

// FuzzReadProfile: whatever the bytes, ReadProfile returns an error or a
// profile every method can use without panicking.
func FuzzReadProfile(f *testing.F) {
	p, err := NewProfile(testFrame(f, 200, 1), ProfileOptions{Target: "y", Prediction: "score"})
	if err != nil {
		f.Fatal(err)
	}
	b, _ := json.Marshal(p)
	f.Add(b)
	f.Add([]byte(`{"format_version":1,"columns":[{"name":"a","kind":"num","count":2,"min":1,"max":0,"sketch":{"pos":[2],"relative_accuracy":0.005}}]}`))
	f.Add([]byte(`{"format_version":1,"columns":[{"name":"a","kind":"cat","count":2,"frequencies":{"x":-1,"y":3}}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ReadProfile(b)
		if err != nil {
			return
		}
		for _, c := range append(append([]*ColumnProfile(nil), p.Columns...), p.Target, p.Prediction) {
			if c == nil {
				continue
			}
			c.Quantile(0.5)
			c.Histogram(5)
			c.MissingShare()
			c.Std()
		}
		p.TargetRate()
		opts := NewDriftOptions()
		if _, err := CompareProfiles(t.Context(), p, p, opts); err != nil {
			return
		}
		q, err := ReadProfile(b)
		if err == nil {
			p.Merge(q)
		}
	})
}

func FuzzParseRules(f *testing.F) {
	f.Add([]byte(`{"rules":[{"name":"a","kind":"feature","column":"x","above":0.2}]}`))
	f.Add([]byte(`{"rules":[{"name":"m","kind":"metric_drop","metric":"roc_auc","max_drop":0.1}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		rules, err := ParseRules(b)
		if err != nil {
			return
		}
		d := &DatasetDrift{Columns: []ColumnDrift{{Column: "x", Score: 0.3}}}
		Evaluate(rules, d, []WindowPerformance{{ROCAUC: 0.7}})
	})
}

func FuzzReadInferenceLog(f *testing.F) {
	f.Add(logText)
	f.Fuzz(func(t *testing.T, s string) {
		preds, err := ReadInferenceLog(strings.NewReader(s))
		if err != nil {
			return
		}
		InputsFrame(preds, "score")
		Windows(preds, WindowOptions{Size: 2})
	})
}
