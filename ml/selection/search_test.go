package selection

import (
	"context"
	"errors"
	"math"
	"reflect"
	"testing"
)

// quadratic peaks at x = 0.3, depth = 4.
func quadratic(ctx context.Context, p Params, resource int) (float64, map[string]float64, error) {
	x := p.Float("x", 0)
	d := float64(p.Int("depth", 0))
	s := -(x-0.3)*(x-0.3) - (d-4)*(d-4)/100
	return s, map[string]float64{"loss": -s}, nil
}

func TestGridFindsOptimum(t *testing.T) {
	var seen []Trial
	rep := ReporterFunc(func(ctx context.Context, tr Trial) { seen = append(seen, tr) })
	space := Space{"x": Uniform{Lo: 0, Hi: 1, Steps: 11}, "depth": IntRange{Lo: 2, Hi: 6}}
	res, err := Grid(context.Background(), space, quadratic, rep)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Trials) != 55 || len(seen) != 55 {
		t.Fatalf("grid ran %d trials and reported %d, want 55", len(res.Trials), len(seen))
	}
	if math.Abs(res.Best.Params.Float("x", -1)-0.3) > 1e-12 || res.Best.Params.Int("depth", 0) != 4 {
		t.Errorf("best = %v, want x=0.3 depth=4", res.Best.Params)
	}
	if seen[0].Metrics["loss"] != -seen[0].Score {
		t.Errorf("reported metrics %v do not match score %v", seen[0].Metrics, seen[0].Score)
	}
}

func TestRandomIsSeeded(t *testing.T) {
	space := Space{"x": Uniform{Lo: 1e-3, Hi: 1, Log: true}, "depth": IntRange{Lo: 2, Hi: 6}, "kind": Choice{"a", "b"}}
	a, err := Random(context.Background(), space, 20, 9, quadratic, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Random(context.Background(), space, 20, 9, quadratic, nil)
	c, _ := Random(context.Background(), space, 20, 10, quadratic, nil)
	if !reflect.DeepEqual(a.Trials[5].Params, b.Trials[5].Params) {
		t.Error("same seed gave different points")
	}
	if reflect.DeepEqual(a.Trials[5].Params, c.Trials[5].Params) {
		t.Error("different seeds gave the same points")
	}
	for _, tr := range a.Trials {
		x := tr.Params.Float("x", -1)
		if x < 1e-3 || x > 1 {
			t.Errorf("sample x=%v outside [1e-3, 1]", x)
		}
	}
}

func TestSuccessiveHalvingBudgets(t *testing.T) {
	var resources []int
	obj := func(ctx context.Context, p Params, r int) (float64, map[string]float64, error) {
		resources = append(resources, r)
		return quadratic(ctx, p, r)
	}
	res, err := SuccessiveHalving(context.Background(), Space{"x": Uniform{Lo: 0, Hi: 1}}, 9, 10, 90, 3, 1, obj, nil)
	if err != nil {
		t.Fatal(err)
	}
	// 9 trials at 10, 3 at 30, 1 at 90.
	want := map[int]int{10: 9, 30: 3, 90: 1}
	got := map[int]int{}
	for _, r := range resources {
		got[r]++
	}
	if !reflect.DeepEqual(got, want) || len(res.Trials) != 13 {
		t.Errorf("budgets = %v (%d trials), want %v", got, len(res.Trials), want)
	}
	if res.Best.Resource != 90 {
		t.Errorf("best trial has resource %d, want the last rung's 90", res.Best.Resource)
	}
}

func TestSearchErrors(t *testing.T) {
	ctx := context.Background()
	fail := func(ctx context.Context, p Params, r int) (float64, map[string]float64, error) {
		return 0, nil, errors.New("diverged")
	}
	if _, err := Random(ctx, Space{"x": Choice{1}}, 3, 1, fail, nil); err == nil {
		t.Error("all trials failing gave no error")
	}
	if res, err := Grid(ctx, Space{}, func(ctx context.Context, p Params, r int) (float64, map[string]float64, error) {
		return 1, nil, nil
	}, nil); err != nil || len(res.Trials) != 1 || len(res.Best.Params) != 0 {
		t.Errorf("an empty grid: %d trials, err %v; want the one point of no parameters", len(res.Trials), err)
	}
	if _, err := Random(ctx, Space{}, 3, 1, quadratic, nil); err == nil {
		t.Error("random search of an empty space accepted")
	}
	for _, s := range []Space{{"x": Choice{}}, {"x": IntRange{Lo: 3, Hi: 1}}, {"x": Uniform{Lo: 0, Hi: 1, Log: true}}} {
		if _, err := Grid(ctx, s, quadratic, nil); err == nil {
			t.Errorf("space %v accepted", s)
		}
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := Grid(cctx, Space{"x": Choice{1, 2}}, quadratic, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled search: %v", err)
	}
}

func TestCrossValidate(t *testing.T) {
	folds, _ := TimeSeriesFolds(20, 4)
	i := 0
	r, err := CrossValidate(context.Background(), folds, func(ctx context.Context, f Fold) (float64, error) {
		i++
		return float64(i), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if r.Mean != 2.5 || math.Abs(r.Std-math.Sqrt(1.25)) > 1e-12 {
		t.Errorf("CV = %+v, want mean 2.5 std sqrt(1.25)", r)
	}
}
