package ui

import "math"

// lttb downsamples the series (xs, ys), sorted by x, to at most n points
// with Largest-Triangle-Three-Buckets (Steinarsson, 2013): it keeps the
// first and last points and, from each of n-2 equal buckets in between, the
// point that makes the largest triangle with the point kept from the bucket
// before and the mean of the bucket after. Peaks and dips survive, which
// plain striding would drop. It returns the inputs when n is too small to
// downsample (n < 3) or there are no more than n points.
func lttb(xs, ys []float64, n int) ([]float64, []float64) {
	total := len(xs)
	if n < 3 || total <= n {
		return xs, ys
	}
	outX := make([]float64, 0, n)
	outY := make([]float64, 0, n)
	outX, outY = append(outX, xs[0]), append(outY, ys[0])
	// Buckets cover the points between the first and the last.
	width := float64(total-2) / float64(n-2)
	kept := 0
	for b := 0; b < n-2; b++ {
		start := int(float64(b)*width) + 1
		end := int(float64(b+1)*width) + 1
		nextStart, nextEnd := end, int(float64(b+2)*width)+1
		if nextEnd > total-1 || b == n-3 {
			nextStart, nextEnd = total-1, total // the last point alone
		}
		var meanX, meanY float64
		for i := nextStart; i < nextEnd; i++ {
			meanX += xs[i]
			meanY += ys[i]
		}
		cnt := float64(nextEnd - nextStart)
		meanX, meanY = meanX/cnt, meanY/cnt

		best, bestArea := start, -1.0
		ax, ay := xs[kept], ys[kept]
		for i := start; i < end; i++ {
			// Twice the triangle's area; the factor does not change the max.
			area := math.Abs((ax-meanX)*(ys[i]-ay) - (ax-xs[i])*(meanY-ay))
			if area > bestArea {
				best, bestArea = i, area
			}
		}
		outX, outY = append(outX, xs[best]), append(outY, ys[best])
		kept = best
	}
	outX, outY = append(outX, xs[total-1]), append(outY, ys[total-1])
	return outX, outY
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
