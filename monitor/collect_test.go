package monitor

import (
	"encoding/json"
	"testing"
)

// TestCollectorMatchesDrift: feeding the data in batches gives exactly the
// report of Drift on the whole frames.
func TestCollectorMatchesDrift(t *testing.T) {
	ref := benchFrame(t, 30000, 9, 0, 5)
	cur := benchFrame(t, 20000, 9, 0.1, 6)
	opts := NewDriftOptions()
	opts.Categorical = []string{"f1"}
	opts.Methods = map[string]Method{"f0": KS, "f3": CramerVonMises, "f4": PSIMethod}
	want, err := Drift(t.Context(), ref, cur, opts)
	if err != nil {
		t.Fatal(err)
	}
	collect := func(n, batch int, f func(i, j int) error) {
		for i := 0; i < n; i += batch {
			if err := f(i, min(n, i+batch)); err != nil {
				t.Fatal(err)
			}
		}
	}
	rc, cc := NewCollector(), NewCollector()
	collect(ref.NumRows(), 7001, func(i, j int) error { s, _ := ref.Slice(i, j); return rc.Add(s) })
	collect(cur.NumRows(), 4096, func(i, j int) error { s, _ := cur.Slice(i, j); return cc.Add(s) })
	got, err := DriftCollected(t.Context(), rc, cc, opts)
	if err != nil {
		t.Fatal(err)
	}
	gb, _ := json.Marshal(got)
	wb, _ := json.Marshal(want)
	if string(gb) != string(wb) {
		t.Errorf("collected drift\n%s\nwant\n%s", gb, wb)
	}
	if rc.Rows() != 30000 {
		t.Errorf("rows %d, want 30000", rc.Rows())
	}
	other := benchFrame(t, 10, 3, 0, 1)
	if err := rc.Add(other); err == nil {
		t.Error("batch with other columns: no error")
	}
}
