package monitor

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
)

// SketchAccuracy is the relative accuracy of Sketch quantiles: a returned
// quantile is within 0.5% of a value of the right rank.
const SketchAccuracy = 0.005

var (
	sketchGamma    = (1 + SketchAccuracy) / (1 - SketchAccuracy)
	sketchLogGamma = math.Log(sketchGamma)
)

// Sketch is a mergeable quantile sketch with relative error guarantees
// (the DDSketch idea): values fall into logarithmic buckets, bucket i of the
// positive side holding (γ^(i-1), γ^i], the negative side mirrored, zero
// apart. Bucket counts are integers, so merging sketches adds counts and
// gives exactly the sketch of the combined data, whatever the order; its
// size grows with the logarithm of the value range, not the row count.
type Sketch struct {
	pos, neg map[int32]int64
	zero     int64
	count    int64
}

// NewSketch returns an empty sketch.
func NewSketch() *Sketch { return &Sketch{pos: map[int32]int64{}, neg: map[int32]int64{}} }

func bucketOf(x float64) int32 { return int32(math.Ceil(math.Log(x) / sketchLogGamma)) }

// bucketValue is the point of bucket i with equal relative distance to
// both its ends.
func bucketValue(i int32) float64 { return 2 * math.Pow(sketchGamma, float64(i)) / (sketchGamma + 1) }

// tinyValue is where the sketch stops telling values from zero.
const tinyValue = 1e-300

// Add records x; NaN and infinities are the caller's to count as missing.
func (s *Sketch) Add(x float64) {
	s.count++
	switch {
	case x > tinyValue:
		s.pos[bucketOf(x)]++
	case x < -tinyValue:
		s.neg[bucketOf(-x)]++
	default:
		s.zero++
	}
}

// Count returns the number of values recorded.
func (s *Sketch) Count() int64 { return s.count }

// Merge adds o's counts into s.
func (s *Sketch) Merge(o *Sketch) {
	for k, v := range o.pos {
		s.pos[k] += v
	}
	for k, v := range o.neg {
		s.neg[k] += v
	}
	s.zero += o.zero
	s.count += o.count
}

// bucket is one sketch bucket in ascending value order.
type bucket struct {
	value float64 // representative value
	hi    float64 // upper end (inclusive) of the bucket's range
	count int64
}

// buckets lists the non-empty buckets in ascending order of value.
func (s *Sketch) buckets() []bucket {
	var out []bucket
	negKeys := sortedKeys(s.neg)
	for k := len(negKeys) - 1; k >= 0; k-- {
		i := negKeys[k]
		out = append(out, bucket{value: -bucketValue(i), hi: -math.Pow(sketchGamma, float64(i-1)), count: s.neg[i]})
	}
	if s.zero > 0 {
		out = append(out, bucket{value: 0, hi: 0, count: s.zero})
	}
	for _, i := range sortedKeys(s.pos) {
		out = append(out, bucket{value: bucketValue(i), hi: math.Pow(sketchGamma, float64(i)), count: s.pos[i]})
	}
	return out
}

// Quantile returns an estimate of the q-quantile (0 ≤ q ≤ 1): the value of
// the bucket holding rank q·(n-1), within SketchAccuracy relative error.
// It returns NaN for an empty sketch.
func (s *Sketch) Quantile(q float64) float64 {
	if s.count == 0 || q < 0 || q > 1 || math.IsNaN(q) {
		return math.NaN()
	}
	rank := q * float64(s.count-1)
	var seen int64
	bs := s.buckets()
	for _, b := range bs {
		seen += b.count
		if float64(seen) > rank {
			return b.value
		}
	}
	return bs[len(bs)-1].value
}

func sortedKeys(m map[int32]int64) []int32 {
	keys := make([]int32, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// sketchJSON stores each side densely from its lowest bucket: runs of
// neighbouring buckets are the common case, so this is smaller than pairs.
type sketchJSON struct {
	PosOffset int32   `json:"pos_offset"`
	Pos       []int64 `json:"pos"`
	NegOffset int32   `json:"neg_offset"`
	Neg       []int64 `json:"neg"`
	Zero      int64   `json:"zero"`
	Accuracy  float64 `json:"relative_accuracy"`
}

func dense(m map[int32]int64) (int32, []int64) {
	keys := sortedKeys(m)
	if len(keys) == 0 {
		return 0, nil
	}
	out := make([]int64, keys[len(keys)-1]-keys[0]+1)
	for _, k := range keys {
		out[k-keys[0]] = m[k]
	}
	return keys[0], out
}

// MarshalJSON writes the sketch with its accuracy, so that a reader built
// with another accuracy refuses it instead of misreading buckets.
func (s *Sketch) MarshalJSON() ([]byte, error) {
	var j sketchJSON
	j.PosOffset, j.Pos = dense(s.pos)
	j.NegOffset, j.Neg = dense(s.neg)
	j.Zero, j.Accuracy = s.zero, SketchAccuracy
	return json.Marshal(j)
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (s *Sketch) UnmarshalJSON(b []byte) error {
	var j sketchJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	if j.Accuracy != SketchAccuracy {
		return fmt.Errorf("sketch has relative accuracy %v, this build reads %v", j.Accuracy, SketchAccuracy)
	}
	*s = *NewSketch()
	s.zero, s.count = j.Zero, j.Zero
	for k, v := range j.Pos {
		if v < 0 {
			return fmt.Errorf("sketch has a negative count")
		}
		if v > 0 {
			s.pos[j.PosOffset+int32(k)] = v
			s.count += v
		}
	}
	for k, v := range j.Neg {
		if v < 0 {
			return fmt.Errorf("sketch has a negative count")
		}
		if v > 0 {
			s.neg[j.NegOffset+int32(k)] = v
			s.count += v
		}
	}
	return nil
}
