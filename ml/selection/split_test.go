package selection

import (
	"encoding/json"
	"os"
	"reflect"
	"testing"
)

func TestFoldsMatchScikitLearn(t *testing.T) {
	data, err := os.ReadFile("../../tests/reference/fixtures/selection.json")
	if err != nil {
		t.Fatalf("reading fixture (run tests/reference/gen_selection.py): %v", err)
	}
	var f struct {
		Stratified []struct {
			Name     string
			Y        []float64
			K        int
			TestFold []int `json:"test_fold"`
		}
		TimeSeries []struct {
			N, K  int
			Folds []struct{ Train, Test []int }
		} `json:"time_series"`
	}
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	for _, c := range f.Stratified {
		folds, err := StratifiedKFold(c.Y, c.K, false, 0)
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		got := make([]int, len(c.Y))
		for fi, fold := range folds {
			for _, i := range fold.Test {
				got[i] = fi
			}
			if len(fold.Train)+len(fold.Test) != len(c.Y) {
				t.Errorf("%s fold %d: train+test = %d rows, want %d", c.Name, fi, len(fold.Train)+len(fold.Test), len(c.Y))
			}
		}
		if !reflect.DeepEqual(got, c.TestFold) {
			t.Errorf("%s: test folds\n got %v\nwant %v", c.Name, got, c.TestFold)
		}
	}
	for _, c := range f.TimeSeries {
		folds, err := TimeSeriesFolds(c.N, c.K)
		if err != nil {
			t.Fatal(err)
		}
		for i, want := range c.Folds {
			if !reflect.DeepEqual(folds[i].Train, want.Train) || !reflect.DeepEqual(folds[i].Test, want.Test) {
				t.Errorf("TimeSeriesFolds(%d, %d)[%d] = %v, want %v", c.N, c.K, i, folds[i], want)
			}
		}
	}
}

func TestStratifiedShuffleKeepsProportions(t *testing.T) {
	y := make([]float64, 1000)
	for i := range y {
		if i%10 == 0 {
			y[i] = 1
		}
	}
	a, _ := StratifiedKFold(y, 5, true, 42)
	b, _ := StratifiedKFold(y, 5, true, 42)
	if !reflect.DeepEqual(a, b) {
		t.Error("same seed gave different folds")
	}
	for i, f := range a {
		pos := 0
		for _, r := range f.Test {
			pos += int(y[r])
		}
		if len(f.Test) != 200 || pos != 20 {
			t.Errorf("fold %d: %d rows with %d positives, want 200 with 20", i, len(f.Test), pos)
		}
	}
}

func TestSplitErrors(t *testing.T) {
	if _, err := StratifiedKFold([]float64{0, 1}, 1, false, 0); err == nil {
		t.Error("k=1 accepted")
	}
	if _, err := StratifiedKFold([]float64{0, 1}, 3, false, 0); err == nil {
		t.Error("more folds than rows accepted")
	}
	if _, err := TimeSplit(10, 10); err == nil {
		t.Error("empty test side accepted")
	}
	f, err := TimeSplit(10, 7)
	if err != nil || len(f.Train) != 7 || f.Test[0] != 7 || len(f.Test) != 3 {
		t.Errorf("TimeSplit(10, 7) = %v, %v", f, err)
	}
}
