package linear

import (
	"math"
)

// objective returns f(x) and writes ∇f(x) into grad. It must not keep x or
// grad.
type objective func(x, grad []float64) float64

// minimizer is a limited-memory quasi-Newton method. With all l1 weights zero
// it is L-BFGS; otherwise it is OWL-QN (Andrew and Gao, 2007), which minimises
// f(x) + Σ l1[j]·|x[j]| by staying inside one orthant per line search, so an
// L1 penalty gets exact zeros without a separate solver.
type minimizer struct {
	memory  int             // number of correction pairs kept
	maxIter int             // iterations (line searches) allowed
	tol     float64         // stop when the largest |pseudo-gradient| entry is ≤ tol
	done    <-chan struct{} // closed to stop early; may be nil
	// progress, if not nil, is called after every iteration with the
	// number of iterations done.
	progress func(iter int)
}

// minResult reports how a minimisation ended.
type minResult struct {
	iter      int
	gradNorm  float64 // largest |pseudo-gradient| entry at the solution
	converged bool
}

// run minimises fn (plus the L1 term when l1 != nil) from x, in place.
func (m minimizer) run(fn objective, x, l1 []float64) minResult {
	n := len(x)
	g := make([]float64, n)  // smooth gradient at x
	pg := make([]float64, n) // pseudo-gradient at x
	d := make([]float64, n)  // search direction
	xNew := make([]float64, n)
	gNew := make([]float64, n)
	alpha := make([]float64, m.memory)
	rho := make([]float64, m.memory)
	sHist := make([][]float64, m.memory)
	yHist := make([][]float64, m.memory)
	for k := range sHist {
		sHist[k] = make([]float64, n)
		yHist[k] = make([]float64, n)
	}
	stored, head := 0, 0 // number of pairs kept, index of the next pair to write

	f := fn(x, g) + l1Norm(x, l1)
	pseudoGradient(x, g, l1, pg)
	res := minResult{gradNorm: maxAbs(pg)}
	for res.iter = 0; res.iter < m.maxIter; res.iter++ {
		if res.gradNorm <= m.tol {
			res.converged = true
			return res
		}
		select {
		case <-m.done:
			return res
		default:
		}
		twoLoop(pg, sHist, yHist, rho, alpha, stored, head, d)
		if l1 != nil {
			// OWL-QN keeps only direction components that agree in sign
			// with the steepest descent direction -pg.
			for j := range d {
				if d[j]*pg[j] >= 0 {
					d[j] = 0
				}
			}
		}
		dg := dot(d, pg)
		if dg >= 0 { // not a descent direction: forget curvature, go downhill
			stored = 0
			for j := range d {
				d[j] = -pg[j]
			}
			dg = dot(d, pg)
		}
		step := 1.0
		if stored == 0 {
			step = 1 / math.Max(norm2(d), 1e-300)
			step = math.Min(step, 1)
		}
		fNew, ok := m.lineSearch(fn, x, d, g, pg, l1, f, dg, step, xNew, gNew)
		if !ok {
			if stored == 0 {
				return res // cannot make progress even downhill: rounding floor
			}
			stored = 0 // retry from steepest descent
			continue
		}
		// Store the correction pair from the smooth gradient: the L1 term is
		// linear inside the orthant, so it adds no curvature.
		s, yv := sHist[head], yHist[head]
		sy := 0.0
		for j := range x {
			s[j] = xNew[j] - x[j]
			yv[j] = gNew[j] - g[j]
			sy += s[j] * yv[j]
		}
		if sy > 1e-300 {
			rho[head] = 1 / sy
			head = (head + 1) % m.memory
			if stored < m.memory {
				stored++
			}
		}
		copy(x, xNew)
		copy(g, gNew)
		f = fNew
		pseudoGradient(x, g, l1, pg)
		res.gradNorm = maxAbs(pg)
		if m.progress != nil {
			m.progress(res.iter + 1)
		}
	}
	res.converged = res.gradNorm <= m.tol
	return res
}

// lineSearch backtracks from step along d until the Armijo condition holds.
// Near the optimum f stops changing in floating point long before the
// gradient is small, so a step that leaves f unchanged within rounding is
// also accepted when it shrinks the directional derivative (an approximate
// Wolfe condition, as in Hager and Zhang's CG_DESCENT). It writes the new
// point and gradient into xNew and gNew.
func (m minimizer) lineSearch(fn objective, x, d, g, pg, l1 []float64, f, dg, step float64, xNew, gNew []float64) (float64, bool) {
	const c1 = 1e-4
	noise := 1e-13 * (math.Abs(f) + 1e-300)
	for try := 0; try < 60; try++ {
		for j := range x {
			xNew[j] = x[j] + step*d[j]
			if l1 != nil && l1[j] != 0 && xNew[j]*orthant(x[j], pg[j]) < 0 {
				xNew[j] = 0 // do not cross into another orthant
			}
		}
		fNew := fn(xNew, gNew) + l1Norm(xNew, l1)
		decrease := 0.0 // predicted decrease along the projected step
		for j := range x {
			decrease += pg[j] * (xNew[j] - x[j])
		}
		if fNew <= f+c1*decrease {
			return fNew, true
		}
		if fNew <= f+noise {
			// Directional derivative at the new point, with the L1 term's
			// slope taken in the orthant the search stays in.
			dNew := 0.0
			for j := range d {
				gj := gNew[j]
				if l1 != nil {
					gj += l1[j] * orthant(x[j], pg[j])
				}
				dNew += d[j] * gj
			}
			if math.Abs(dNew) <= 0.9*math.Abs(dg) {
				return fNew, true
			}
		}
		step *= 0.5
	}
	return f, false
}

// twoLoop writes -H·v into d, where H is the L-BFGS inverse-Hessian
// approximation from the stored pairs (Nocedal and Wright, algorithm 7.4).
func twoLoop(v []float64, sHist, yHist [][]float64, rho, alpha []float64, stored, head int, d []float64) {
	mem := len(sHist)
	copy(d, v)
	for k := 1; k <= stored; k++ {
		i := (head - k + mem) % mem
		alpha[i] = rho[i] * dot(sHist[i], d)
		axpy(-alpha[i], yHist[i], d)
	}
	if stored > 0 {
		i := (head - 1 + mem) % mem
		yy := dot(yHist[i], yHist[i])
		scale(d, 1/(rho[i]*yy)) // γ = sᵀy / yᵀy
	}
	for k := stored; k >= 1; k-- {
		i := (head - k + mem) % mem
		beta := rho[i] * dot(yHist[i], d)
		axpy(alpha[i]-beta, sHist[i], d)
	}
	for j := range d {
		d[j] = -d[j]
	}
}

// pseudoGradient writes the minimum-norm subgradient of f + Σ l1|x| into pg.
func pseudoGradient(x, g, l1, pg []float64) {
	for j := range x {
		lam := 0.0
		if l1 != nil {
			lam = l1[j]
		}
		switch {
		case lam == 0:
			pg[j] = g[j]
		case x[j] > 0:
			pg[j] = g[j] + lam
		case x[j] < 0:
			pg[j] = g[j] - lam
		case g[j]+lam < 0:
			pg[j] = g[j] + lam
		case g[j]-lam > 0:
			pg[j] = g[j] - lam
		default:
			pg[j] = 0
		}
	}
}

// orthant returns the sign of the orthant a line search from x may explore:
// x's own sign, or the sign of the descent direction when x is zero.
func orthant(x, pg float64) float64 {
	if x != 0 {
		return math.Copysign(1, x)
	}
	return -math.Copysign(1, pg)
}

func l1Norm(x, l1 []float64) float64 {
	if l1 == nil {
		return 0
	}
	s := 0.0
	for j, v := range x {
		s += l1[j] * math.Abs(v)
	}
	return s
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i, v := range a {
		s += v * b[i]
	}
	return s
}

func axpy(a float64, x, y []float64) {
	for i, v := range x {
		y[i] += a * v
	}
}

func scale(x []float64, a float64) {
	for i := range x {
		x[i] *= a
	}
}

func norm2(x []float64) float64 { return math.Sqrt(dot(x, x)) }

func maxAbs(x []float64) float64 {
	m := 0.0
	for _, v := range x {
		m = math.Max(m, math.Abs(v))
	}
	return m
}
