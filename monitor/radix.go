package monitor

import (
	"math"
	"slices"
)

// sortFloats sorts NaN-free values ascending. Large buffers go through an
// LSD radix sort on the bits of the values (mapped so that unsigned order
// is numeric order), which is linear in the length and several times
// faster than a comparison sort on the millions of values a window holds;
// small ones use slices.Sort.
func sortFloats(v []float64) {
	if len(v) < 1024 {
		slices.Sort(v)
		return
	}
	const bits, buckets = 11, 1 << 11
	keys := make([]uint64, len(v))
	for i, x := range v {
		b := math.Float64bits(x)
		if b>>63 == 1 {
			b = ^b // negative: reverse the order of the magnitude
		} else {
			b |= 1 << 63
		}
		keys[i] = b
	}
	tmp := make([]uint64, len(v))
	var count [buckets]int
	for shift := uint(0); shift < 64; shift += bits {
		clear(count[:])
		for _, k := range keys {
			count[(k>>shift)&(buckets-1)]++
		}
		if count[(keys[0]>>shift)&(buckets-1)] == len(keys) {
			continue // every key shares this digit
		}
		sum := 0
		for i, c := range count {
			count[i] = sum
			sum += c
		}
		for _, k := range keys {
			d := (k >> shift) & (buckets - 1)
			tmp[count[d]] = k
			count[d]++
		}
		keys, tmp = tmp, keys
	}
	for i, b := range keys {
		if b>>63 == 1 {
			b &^= 1 << 63
		} else {
			b = ^b
		}
		v[i] = math.Float64frombits(b)
	}
}
