package selection

import (
	"encoding/json"
	"math"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func testFolds(folds []Fold, n int) []int {
	got := make([]int, n)
	for f, fo := range folds {
		for _, i := range fo.Test {
			got[i] = f
		}
	}
	return got
}

func TestKFoldAndGroupKFoldMatchScikitLearn(t *testing.T) {
	data, err := os.ReadFile("../../tests/reference/fixtures/selection.json")
	if err != nil {
		t.Fatalf("reading fixture (run tests/reference/gen_selection.py): %v", err)
	}
	var f struct {
		KFold []struct {
			N, K     int
			TestFold []int `json:"test_fold"`
		}
		Group []struct {
			Name     string
			Groups   []string
			Numeric  bool
			K        int
			TestFold []int `json:"test_fold"`
		}
	}
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.KFold) == 0 || len(f.Group) == 0 {
		t.Fatal("fixture has no k-fold or group cases")
	}
	for _, c := range f.KFold {
		folds, err := KFold(c.N, c.K, false, 0)
		if err != nil {
			t.Fatal(err)
		}
		if got := testFolds(folds, c.N); !reflect.DeepEqual(got, c.TestFold) {
			t.Errorf("KFold(%d, %d): got %v, want %v", c.N, c.K, got, c.TestFold)
		}
	}
	for _, c := range f.Group {
		var folds []Fold
		if c.Numeric {
			g := make([]float64, len(c.Groups))
			for i, s := range c.Groups {
				g[i], _ = strconv.ParseFloat(s, 64)
			}
			folds, err = GroupKFold(g, c.K)
		} else {
			folds, err = GroupKFold(c.Groups, c.K)
		}
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		if got := testFolds(folds, len(c.Groups)); !reflect.DeepEqual(got, c.TestFold) {
			t.Errorf("GroupKFold %s: got %v, want %v", c.Name, got, c.TestFold)
		}
	}
}

func TestHoldouts(t *testing.T) {
	y := make([]float64, 1000)
	for i := range y {
		if i%10 < 2 {
			y[i] = 1 // 20% positive
		}
		if i%10 == 9 {
			y[i] = 2 // 10% a third class
		}
	}
	sh, err := StratifiedHoldout(y, 0.25, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(sh.Test) != 250 || len(sh.Train) != 750 {
		t.Fatalf("stratified holdout sizes %d/%d, want 750/250", len(sh.Train), len(sh.Test))
	}
	counts := map[float64]int{}
	for _, i := range sh.Test {
		counts[y[i]]++
	}
	if counts[0] != 175 || counts[1] != 50 || counts[2] != 25 {
		t.Errorf("test class counts %v, want 175/50/25", counts)
	}
	again, _ := StratifiedHoldout(y, 0.25, 3)
	other, _ := StratifiedHoldout(y, 0.25, 4)
	if !reflect.DeepEqual(sh, again) || reflect.DeepEqual(sh, other) {
		t.Errorf("the same seed must give the same split and another seed another")
	}

	rh, err := RandomHoldout(10, 0.25, 1)
	if err != nil || len(rh.Test) != 3 {
		t.Errorf("RandomHoldout(10, 0.25) test %v, err %v: want 3 rows (rounded up)", rh.Test, err)
	}

	groups := []string{"a", "a", "b", "b", "b", "c", "d", "d", "e", "e"}
	gh, err := GroupHoldout(groups, 0.3, 9)
	if err != nil {
		t.Fatal(err)
	}
	inTest := map[string]bool{}
	for _, i := range gh.Test {
		inTest[groups[i]] = true
	}
	for _, i := range gh.Train {
		if inTest[groups[i]] {
			t.Errorf("group %s is on both sides", groups[i])
		}
	}
	if len(gh.Test) < 3 {
		t.Errorf("group holdout has %d test rows, want at least 3", len(gh.Test))
	}
}

func TestTimeHoldoutKeepsEqualTimesTogether(t *testing.T) {
	key := []float64{5, 1, 3, 3, 2, 4, 3, 1}
	cut, err := TimeCutoff(key, 0.4)
	if err != nil {
		t.Fatal(err)
	}
	if cut != 3 {
		t.Errorf("cutoff = %v, want 3 (the three rows at 3 go together)", cut)
	}
	f, err := TimeHoldout(key, cut)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(f.Test, []int{0, 2, 3, 5, 6}) {
		t.Errorf("test rows %v", f.Test)
	}
	folds, err := ForwardFolds(key, 2)
	if err != nil {
		t.Fatal(err)
	}
	// Distinct times 1..5 in three blocks of one: fold 0 tests time 4, fold 1 time 5.
	if !slices.Equal(folds[0].Test, []int{5}) || !slices.Equal(folds[1].Test, []int{0}) || len(folds[1].Train) != 7 {
		t.Errorf("forward folds %v", folds)
	}
}

func TestHoldoutErrors(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"fraction 0", second(RandomHoldout(10, 0, 1)), "not between 0 and 1"},
		{"fraction NaN", second(RandomHoldout(10, math.NaN(), 1)), "not between 0 and 1"},
		{"too few rows", second(RandomHoldout(1, 0.5, 1)), "leaves a side empty"},
		{"one group", second(GroupHoldout([]int{1, 1, 1}, 0.3, 1)), "at least 2 groups"},
		{"fewer groups than folds", second(GroupKFold([]string{"a", "b"}, 3)), "2 groups into 3 folds"},
		{"time NaN", second(TimeHoldout([]float64{1, math.NaN()}, 1)), "row 2 has no time value"},
		{"time one value", second(TimeCutoff([]float64{1, 1, 1}, 0.5)), "same time value"},
		{"time cutoff empty side", second(TimeHoldout([]float64{1, 2}, 5)), "both sides need rows"},
	}
	for _, tt := range tests {
		if tt.err == nil || !strings.Contains(tt.err.Error(), tt.want) {
			t.Errorf("%s: error %v, want it to say %q", tt.name, tt.err, tt.want)
		}
	}
}

func second[T any](_ T, err error) error { return err }
