package selection

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
)

// Params is one point of a search space: parameter name → value (float64,
// int or string).
type Params map[string]any

// Float returns p[name] as a float64 (ints convert), or def when absent.
func (p Params) Float(name string, def float64) float64 {
	switch v := p[name].(type) {
	case float64:
		return v
	case int:
		return float64(v)
	}
	return def
}

// Int returns p[name] as an int (whole floats convert), or def when absent.
func (p Params) Int(name string, def int) int {
	switch v := p[name].(type) {
	case int:
		return v
	case float64:
		return int(v)
	}
	return def
}

// String returns p[name] formatted as text, or def when absent.
func (p Params) String(name, def string) string {
	if v, ok := p[name]; ok {
		return FormatValue(v)
	}
	return def
}

// FormatValue renders a parameter value the way it is logged as an MLflow
// param.
func FormatValue(v any) string {
	switch x := v.(type) {
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case int:
		return strconv.Itoa(x)
	case string:
		return x
	}
	return fmt.Sprint(v)
}

// Dist is the range of one hyper-parameter.
type Dist interface {
	// Sample draws one value.
	Sample(r *rand.Rand) any
	// Grid lists the values a grid search tries.
	Grid() []any
}

// Choice is a list of values.
type Choice []any

// Sample implements Dist.
func (c Choice) Sample(r *rand.Rand) any { return c[r.IntN(len(c))] }

// Grid implements Dist.
func (c Choice) Grid() []any { return c }

// IntRange is the integers Lo..Hi inclusive; a grid takes Steps evenly
// spaced values (all of them when Steps is 0).
type IntRange struct {
	Lo, Hi, Steps int
}

// Sample implements Dist.
func (d IntRange) Sample(r *rand.Rand) any { return d.Lo + r.IntN(d.Hi-d.Lo+1) }

// Grid implements Dist.
func (d IntRange) Grid() []any {
	n := d.Hi - d.Lo + 1
	if d.Steps > 0 && d.Steps < n {
		n = d.Steps
	}
	out := make([]any, 0, n)
	for i := 0; i < n; i++ {
		v := d.Lo
		if n > 1 {
			v = d.Lo + int(math.Round(float64(i)*float64(d.Hi-d.Lo)/float64(n-1)))
		}
		if len(out) == 0 || out[len(out)-1] != v {
			out = append(out, v)
		}
	}
	return out
}

// Uniform is a real interval [Lo, Hi]; with Log it is sampled log-uniformly.
// A grid takes Steps values (default 5).
type Uniform struct {
	Lo, Hi float64
	Log    bool
	Steps  int
}

// Sample implements Dist.
func (d Uniform) Sample(r *rand.Rand) any {
	if d.Log {
		return math.Exp(math.Log(d.Lo) + r.Float64()*(math.Log(d.Hi)-math.Log(d.Lo)))
	}
	return d.Lo + r.Float64()*(d.Hi-d.Lo)
}

// Grid implements Dist.
func (d Uniform) Grid() []any {
	n := d.Steps
	if n <= 0 {
		n = 5
	}
	out := make([]any, n)
	for i := range out {
		t := 0.0
		if n > 1 {
			t = float64(i) / float64(n-1)
		}
		if d.Log {
			out[i] = math.Exp(math.Log(d.Lo) + t*(math.Log(d.Hi)-math.Log(d.Lo)))
		} else {
			out[i] = d.Lo + t*(d.Hi-d.Lo)
		}
	}
	return out
}

// Space maps parameter names to their ranges.
type Space map[string]Dist

func (s Space) names() []string {
	names := make([]string, 0, len(s))
	for n := range s {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Validate reports a space that cannot be searched.
func (s Space) Validate() error {
	if len(s) == 0 {
		return fmt.Errorf("search space is empty")
	}
	for name, d := range s {
		switch d := d.(type) {
		case Choice:
			if len(d) == 0 {
				return fmt.Errorf("parameter %q has no choices", name)
			}
		case IntRange:
			if d.Hi < d.Lo {
				return fmt.Errorf("parameter %q: range %d..%d is empty", name, d.Lo, d.Hi)
			}
		case Uniform:
			if !(d.Hi >= d.Lo) || d.Log && d.Lo <= 0 {
				return fmt.Errorf("parameter %q: invalid interval [%v, %v]", name, d.Lo, d.Hi)
			}
		case nil:
			return fmt.Errorf("parameter %q has no range", name)
		}
	}
	return nil
}

// Trial is one evaluated point of a search.
type Trial struct {
	Number   int
	Params   Params
	Resource int                // budget given to the trial (successive halving), else 0
	Score    float64            // the objective, higher is better
	Metrics  map[string]float64 // everything the objective measured
	Err      error
}

// Objective trains and evaluates one point with a budget (0 = full) and
// returns the score to maximise and any other metrics.
type Objective func(ctx context.Context, p Params, resource int) (score float64, metrics map[string]float64, err error)

// Reporter receives each trial as it finishes, e.g. to log it as a nested
// MLflow run.
type Reporter interface {
	TrialDone(ctx context.Context, t Trial)
}

// ReporterFunc adapts a function to Reporter.
type ReporterFunc func(ctx context.Context, t Trial)

// TrialDone implements Reporter.
func (f ReporterFunc) TrialDone(ctx context.Context, t Trial) { f(ctx, t) }

// Result is the outcome of a search: every trial in order, and the best.
type Result struct {
	Trials []Trial
	Best   Trial
}

// Grid evaluates every combination of the space's grid values; an empty
// space is the one point of no parameters (a candidate with fixed
// parameters only).
func Grid(ctx context.Context, space Space, obj Objective, rep Reporter) (Result, error) {
	if len(space) > 0 {
		if err := space.Validate(); err != nil {
			return Result{}, err
		}
	}
	names := space.names()
	points := []Params{{}}
	for _, n := range names {
		var next []Params
		for _, p := range points {
			for _, v := range space[n].Grid() {
				q := Params{}
				for k, x := range p {
					q[k] = x
				}
				q[n] = v
				next = append(next, q)
			}
		}
		points = next
	}
	return run(ctx, points, 0, obj, rep)
}

// Random evaluates n points drawn from the space with a generator seeded by
// seed; the same seed gives the same points.
func Random(ctx context.Context, space Space, n int, seed uint64, obj Objective, rep Reporter) (Result, error) {
	if err := space.Validate(); err != nil {
		return Result{}, err
	}
	if n < 1 {
		return Result{}, fmt.Errorf("random search needs at least one trial, got %d", n)
	}
	return run(ctx, samplePoints(space, n, seed), 0, obj, rep)
}

func samplePoints(space Space, n int, seed uint64) []Params {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	names := space.names()
	points := make([]Params, n)
	for i := range points {
		p := Params{}
		for _, name := range names {
			p[name] = space[name].Sample(r)
		}
		points[i] = p
	}
	return points
}

// SuccessiveHalving draws n random points, evaluates them all with
// minResource, keeps the best 1/factor, multiplies the resource by factor, and
// repeats until one point is left or the resource would exceed maxResource.
func SuccessiveHalving(ctx context.Context, space Space, n, minResource, maxResource, factor int, seed uint64, obj Objective, rep Reporter) (Result, error) {
	if err := space.Validate(); err != nil {
		return Result{}, err
	}
	if n < 1 || minResource < 1 || maxResource < minResource || factor < 2 {
		return Result{}, fmt.Errorf("successive halving needs n >= 1, 1 <= min resource <= max resource and factor >= 2")
	}
	points := samplePoints(space, n, seed)
	var all Result
	resource := minResource
	for {
		res, err := runFrom(ctx, len(all.Trials), points, resource, obj, rep)
		all.Trials = append(all.Trials, res.Trials...)
		if err != nil {
			return all, err
		}
		all.Best = res.Best
		keep := len(points) / factor
		if keep < 1 || resource*factor > maxResource {
			return all, nil
		}
		ranked := append([]Trial(nil), res.Trials...)
		sort.SliceStable(ranked, func(i, j int) bool { return better(ranked[i], ranked[j]) })
		points = points[:0:0]
		for _, t := range ranked[:keep] {
			points = append(points, t.Params)
		}
		resource *= factor
	}
}

func run(ctx context.Context, points []Params, resource int, obj Objective, rep Reporter) (Result, error) {
	return runFrom(ctx, 0, points, resource, obj, rep)
}

// runFrom evaluates points in order. A failing trial is recorded and reported
// but does not stop the search; it fails only if every trial failed.
func runFrom(ctx context.Context, first int, points []Params, resource int, obj Objective, rep Reporter) (Result, error) {
	var res Result
	ok := false
	for i, p := range points {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		score, metrics, err := obj(ctx, p, resource)
		t := Trial{Number: first + i, Params: p, Resource: resource, Score: score, Metrics: metrics, Err: err}
		if err == nil && math.IsNaN(score) {
			t.Err = fmt.Errorf("objective returned NaN")
		}
		res.Trials = append(res.Trials, t)
		if rep != nil {
			rep.TrialDone(ctx, t)
		}
		if t.Err == nil && (!ok || better(t, res.Best)) {
			res.Best = t
			ok = true
		}
	}
	if !ok {
		if len(res.Trials) > 0 {
			return res, fmt.Errorf("every trial failed; first error: %w", res.Trials[0].Err)
		}
		return res, fmt.Errorf("no trials")
	}
	return res, nil
}

// better ranks successful trials above failed ones, then by score.
func better(a, b Trial) bool {
	if (a.Err == nil) != (b.Err == nil) {
		return a.Err == nil
	}
	return a.Score > b.Score
}
