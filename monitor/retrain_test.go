package monitor

import (
	"math"
	"testing"

	"github.com/weir-ml/weir"
)

func TestDecide(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name                 string
		champ, chall, margin float64
		want                 bool
	}{
		{"wins by more than margin", 0.70, 0.75, 0.01, true},
		{"wins by exactly margin", 0.70, 0.75, 0.05, true},
		{"wins by less than margin", 0.70, 0.705, 0.01, false},
		{"loses", 0.75, 0.70, 0.01, false},
		{"ties with zero margin", 0.72, 0.72, 0, false},
		{"ties with margin", 0.72, 0.72, 0.01, false},
		{"wins with zero margin", 0.72, 0.7201, 0, true},
		{"no champion", nan, 0.60, 0.05, true},
		{"negative business values", -120, -80, 10, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Decide(MetricROCAUC, tt.champ, tt.chall, tt.margin)
			if err != nil {
				t.Fatal(err)
			}
			if got := d.Promote; got != tt.want {
				t.Errorf("Promote = %v, want %v (%s)", got, tt.want, d.Reason)
			}
			if d.Reason == "" {
				t.Error("empty Reason")
			}
		})
	}
}

func TestDecideErrors(t *testing.T) {
	tests := []struct {
		name                 string
		champ, chall, margin float64
	}{
		{"NaN challenger", 0.7, math.NaN(), 0},
		{"negative margin", 0.7, 0.8, -0.1},
		{"NaN margin", 0.7, 0.8, math.NaN()},
		{"infinite champion", math.Inf(1), 0.8, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decide("", tt.champ, tt.chall, tt.margin)
			if got, want := weir.ErrorCode(err), weir.ErrInvalidParameterValue; got != want {
				t.Errorf("error code = %q, want %q (%v)", got, want, err)
			}
		})
	}
}

func TestChallenge(t *testing.T) {
	y := []float64{0, 0, 0, 1, 1, 1}
	perfect := []float64{0.1, 0.2, 0.3, 0.7, 0.8, 0.9}
	weak := []float64{0.1, 0.8, 0.3, 0.7, 0.2, 0.9} // AUC 6/9
	tests := []struct {
		name         string
		champ, chall []float64
		opts         ChallengeOptions
		want         bool
		wantChall    float64
	}{
		{"better AUC promotes", weak, perfect, ChallengeOptions{Margin: 0.1}, true, 1},
		{"worse AUC keeps", perfect, weak, ChallengeOptions{Margin: 0.1}, false, 6.0 / 9},
		{"same scores tie", perfect, perfect, ChallengeOptions{}, false, 1},
		{"no champion", nil, weak, ChallengeOptions{Margin: 0.5}, true, 6.0 / 9},
		// At 0.5 weak has TP 2, FP 1; perfect TP 3, FP 0: value 10·TP - 1·(TP+FP).
		{"business value", weak, perfect, ChallengeOptions{Metric: MetricBusiness, Value: Value{TP: 9, FP: -1}, Margin: 5}, true, 27},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Challenge(y, tt.champ, tt.chall, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if got := d.Promote; got != tt.want {
				t.Errorf("Promote = %v, want %v (%s)", got, tt.want, d.Reason)
			}
			if got := float64(d.Challenger); math.Abs(got-tt.wantChall) > 1e-12 {
				t.Errorf("Challenger = %v, want %v", got, tt.wantChall)
			}
			if got, want := d.Rows, len(y); got != want {
				t.Errorf("Rows = %d, want %d", got, want)
			}
		})
	}
}

func TestChallengeErrors(t *testing.T) {
	y := []float64{0, 1}
	tests := []struct {
		name         string
		y            []float64
		champ, chall []float64
		opts         ChallengeOptions
	}{
		{"no rows", nil, nil, nil, ChallengeOptions{}},
		{"length mismatch", y, []float64{0.1}, []float64{0.1, 0.2}, ChallengeOptions{}},
		{"one class", []float64{1, 1}, nil, []float64{0.1, 0.2}, ChallengeOptions{}},
		{"unknown metric", y, nil, []float64{0.1, 0.2}, ChallengeOptions{Metric: "accuracy"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Challenge(tt.y, tt.champ, tt.chall, tt.opts)
			if got, want := weir.ErrorCode(err), weir.ErrInvalidParameterValue; got != want {
				t.Errorf("error code = %q, want %q (%v)", got, want, err)
			}
		})
	}
}
