package linear

import (
	"context"
	"math"
)

// lstsq solves the least-squares problem min ‖A·w − y‖² + alpha·‖w‖² for
// the n×p matrix A given as its p columns. A and y are overwritten.
//
// It never forms AᵀA, whose condition number is the square of A's. When A
// has more rows than columns, Householder QR first reduces the problem to
// the p×p triangle R and Qᵀy; then a one-sided Jacobi SVD (Hestenes) of R
// gives singular values σⱼ accurate to rounding and right singular vectors
// vⱼ, and
//
//	w = Σⱼ vⱼ · (bⱼ·c) / (σⱼ² + alpha)
//
// where bⱼ = σⱼuⱼ are the rotated columns and c the reduced target. With
// alpha = 0 the sum skips singular values at or below rcond·σ₁: the
// minimum-norm solution that scipy.linalg.lstsq (used by scikit-learn's
// LinearRegression) gives with cond = rcond, so collinear columns give
// finite, unique coefficients and not NaN. rank is the number of singular
// values kept. A wide A (n ≤ p) goes to lstsqWide. lstsq returns ctx.Err()
// if ctx is done part way.
func lstsq(ctx context.Context, A [][]float64, y []float64, alpha, rcond float64) (w []float64, rank int, err error) {
	p, n := len(A), len(y)
	if n <= p {
		return lstsqWide(ctx, A, y, alpha, rcond)
	}
	if err := householderQR(ctx, A, y); err != nil {
		return nil, 0, err
	}
	B := make([][]float64, p)
	for j := range B {
		B[j] = A[j][:p]
		for i := j + 1; i < p; i++ {
			B[j][i] = 0 // below the diagonal: Householder vectors' leftovers
		}
	}
	c := y[:p]
	V, err := jacobiSVD(ctx, B)
	if err != nil {
		return nil, 0, err
	}
	w = make([]float64, p)
	for j, s2 := range kept(B, alpha, rcond) {
		if s2 > 0 {
			rank++
			axpy(dot(B[j], c)/(s2+alpha), V[j], w)
		}
	}
	return w, rank, nil
}

// lstsqWide is lstsq for n ≤ p rows. Rotating A's p columns would cost p²
// pairs a sweep, so it rotates the n rows instead: with Aᵀ·V = B (B's
// columns bⱼ orthogonal, V orthogonal n×n), A = V·Bᵀ and
//
//	w = Σⱼ bⱼ · (vⱼ·y) / (σⱼ² + alpha),  σⱼ = ‖bⱼ‖,
//
// which lies in the row space of A: the minimum-norm solution.
func lstsqWide(ctx context.Context, A [][]float64, y []float64, alpha, rcond float64) (w []float64, rank int, err error) {
	p, n := len(A), len(y)
	B := make([][]float64, n) // rows of A, then rotated
	for i := range B {
		B[i] = make([]float64, p)
		for j, col := range A {
			B[i][j] = col[i]
		}
	}
	V, err := jacobiSVD(ctx, B)
	if err != nil {
		return nil, 0, err
	}
	w = make([]float64, p)
	for j, s2 := range kept(B, alpha, rcond) {
		if s2 > 0 {
			rank++
			axpy(dot(V[j], y)/(s2+alpha), B[j], w)
		}
	}
	return w, rank, nil
}

// kept returns σⱼ² for each orthogonalised column of B, or 0 for those the
// solution skips: none with alpha > 0 (the penalty keeps them bounded), and
// those with σⱼ ≤ rcond·max σ with alpha = 0.
func kept(B [][]float64, alpha, rcond float64) []float64 {
	s2 := make([]float64, len(B))
	smax := 0.0
	for j, b := range B {
		s2[j] = dot(b, b)
		smax = math.Max(smax, s2[j])
	}
	if alpha == 0 {
		cut := rcond * rcond * smax
		for j := range s2 {
			if s2[j] <= cut {
				s2[j] = 0
			}
		}
	}
	return s2
}

// householderQR overwrites the columns of A with R (on and above the
// diagonal) and y with Qᵀy, where A = QR; below the diagonal it leaves
// rubbish. len(y) must exceed len(A).
func householderQR(ctx context.Context, A [][]float64, y []float64) error {
	n := len(y)
	v := make([]float64, n)
	for j, col := range A {
		if err := ctx.Err(); err != nil {
			return err
		}
		norm := norm2(col[j:])
		if norm == 0 {
			continue
		}
		// Reflect col[j:] onto −sign(col[j])·‖col[j:]‖·e₁, the choice that
		// avoids cancellation in v = x − that.
		beta := -math.Copysign(norm, col[j])
		vj := v[j:]
		copy(vj, col[j:])
		vj[0] -= beta
		vv := dot(vj, vj)
		if vv == 0 {
			continue
		}
		reflect := func(x []float64) {
			axpy(-2*dot(vj, x)/vv, vj, x)
		}
		for _, other := range A[j+1:] {
			reflect(other[j:])
		}
		reflect(y[j:])
		col[j] = beta
	}
	return nil
}

// jacobiSVD orthogonalises the columns of B by plane rotations, applying the
// same rotations to V (starting from the identity), so that on return
// B_in·V = B_out with B_out's columns mutually orthogonal: their norms are
// the singular values and V's columns the right singular vectors. V is
// returned as its columns.
func jacobiSVD(ctx context.Context, B [][]float64) ([][]float64, error) {
	p := len(B)
	V := make([][]float64, p)
	for j := range V {
		V[j] = make([]float64, p)
		V[j][j] = 1
	}
	const eps = 1e-15
	norm := make([]float64, p) // squared column norms, updated by each rotation
	for sweep := 0; sweep < 100; sweep++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		for j, b := range B {
			norm[j] = dot(b, b) // afresh each sweep, so updates do not drift
		}
		rotated := false
		for i := 0; i < p; i++ {
			for j := i + 1; j < p; j++ {
				a, b := norm[i], norm[j]
				if a == 0 || b == 0 {
					continue
				}
				g := dot(B[i], B[j])
				if math.Abs(g) <= eps*math.Sqrt(a*b) {
					continue
				}
				rotated = true
				zeta := (b - a) / (2 * g)
				t := math.Copysign(1, zeta) / (math.Abs(zeta) + math.Sqrt(1+zeta*zeta))
				cs := 1 / math.Sqrt(1+t*t)
				sn := cs * t
				rotate(B[i], B[j], cs, sn)
				rotate(V[i], V[j], cs, sn)
				norm[i], norm[j] = math.Max(a-t*g, 0), b+t*g
			}
		}
		if !rotated {
			break
		}
	}
	return V, nil
}

// rotate replaces x and y by cs·x − sn·y and sn·x + cs·y.
func rotate(x, y []float64, cs, sn float64) {
	for k, xv := range x {
		yv := y[k]
		x[k] = cs*xv - sn*yv
		y[k] = sn*xv + cs*yv
	}
}
