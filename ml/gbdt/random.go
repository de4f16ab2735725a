package gbdt

import (
	"math"
	"slices"
)

// lcgRandom is the small linear congruential generator LightGBM samples
// rows and features with. Weir draws the same numbers for the same seed,
// so a model trained with bagging or feature fraction sees the same
// samples as LightGBM's and the two can be compared tree for tree.
type lcgRandom struct{ x uint32 }

func newLCGRandom(seed int32) *lcgRandom { return &lcgRandom{x: uint32(seed)} }

func (r *lcgRandom) step() { r.x = 214013*r.x + 2531011 }

// int16 returns the next number in [0, 32768).
func (r *lcgRandom) int16() int { r.step(); return int((r.x >> 16) & 0x7fff) }

// int31 returns the next number in [0, 2^31).
func (r *lcgRandom) int31() int { r.step(); return int(r.x & 0x7fffffff) }

// short returns a number in [lo, hi) from int16.
func (r *lcgRandom) short(lo, hi int) int { return r.int16()%(hi-lo) + lo }

// float returns a float32 in [0, 1).
func (r *lcgRandom) float() float32 { return float32(r.int16()) / 32768 }

// sample returns k distinct numbers from [0, n), ascending: by selection
// sampling when k is a large part of n, by rejection otherwise.
func (r *lcgRandom) sample(n, k int) []int {
	switch {
	case k > n || k <= 0:
		return nil
	case k == n:
		out := make([]int, n)
		for i := range out {
			out[i] = i
		}
		return out
	case k > 1 && float64(k) > float64(n)/math.Log2(float64(k)):
		out := make([]int, 0, k)
		for i := 0; i < n; i++ {
			prob := float64(k-len(out)) / float64(n-i)
			if float64(r.float()) < prob {
				out = append(out, i)
			}
		}
		return out
	default:
		seen := make(map[int]bool, k)
		out := make([]int, 0, k)
		for len(out) < k {
			v := r.int31() % n
			if !seen[v] {
				seen[v] = true
				out = append(out, v)
			}
		}
		slices.Sort(out)
		return out
	}
}

// seeds are the seeds of the separate random streams.
type seeds struct{ data, bagging, feature int32 }

// streamSeeds derives the streams' seeds from Params.Seed the way LightGBM
// derives them from its seed parameter; Seed 0 means "not set" and gives
// LightGBM's default seeds.
func streamSeeds(seed int64) seeds {
	if seed == 0 {
		return seeds{data: 1, bagging: 3, feature: 2}
	}
	r := newLCGRandom(int32(seed))
	const top = math.MaxInt16
	var s seeds
	s.data = int32(r.short(0, top))
	s.bagging = int32(r.short(0, top))
	r.short(0, top) // LightGBM's drop_seed, for DART
	s.feature = int32(r.short(0, top))
	return s
}

// bagBlock is how many consecutive rows share one bagging stream.
const bagBlock = 1024

// bagger draws each row into the bag with probability BaggingFraction,
// from one stream per block of rows, which continue across iterations.
type bagger struct {
	fraction float64
	streams  []*lcgRandom
}

func newBagger(rows int, fraction float64, seed int32) *bagger {
	b := &bagger{fraction: fraction}
	for i := 0; i < (rows+bagBlock-1)/bagBlock; i++ {
		b.streams = append(b.streams, newLCGRandom(seed+int32(i)))
	}
	return b
}

// draw fills bag with the rows drawn and oob with the others, in row order.
func (b *bagger) draw(rows int, bag, oob []int32) ([]int32, []int32) {
	bag, oob = bag[:0], oob[:0]
	for i := 0; i < rows; i++ {
		if float64(b.streams[i/bagBlock].float()) < b.fraction {
			bag = append(bag, int32(i))
		} else {
			oob = append(oob, int32(i))
		}
	}
	return bag, oob
}

// featureSampler picks the features each tree may use.
type featureSampler struct {
	r     *lcgRandom
	count int
}

// newFeatureSampler keeps round(fraction × features), at least two when
// there are two; it draws once on creation, as LightGBM's does.
func newFeatureSampler(features int, fraction float64, seed int32) *featureSampler {
	count := max(int(math.Floor(float64(features)*fraction+0.5)), min(2, features))
	s := &featureSampler{r: newLCGRandom(seed), count: count}
	s.r.sample(features, count)
	return s
}

// next returns the features of the next tree, a sorted subset of used.
func (s *featureSampler) next(used []int) []int {
	idx := s.r.sample(len(used), s.count)
	out := make([]int, len(idx))
	for i, k := range idx {
		out[i] = used[k]
	}
	return out
}
