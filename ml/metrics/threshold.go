package metrics

// Confusion is a binary confusion matrix of weighted counts.
type Confusion struct {
	TN, FP, FN, TP float64
}

// ConfusionAt counts predictions score >= threshold as positive.
func ConfusionAt(y, score, weights []float64, threshold float64) (Confusion, error) {
	if err := checkBinary(y, score, weights); err != nil {
		return Confusion{}, err
	}
	var c Confusion
	for i := range y {
		w := weight(weights, i)
		pos := score[i] >= threshold
		switch {
		case y[i] == 1 && pos:
			c.TP += w
		case y[i] == 1:
			c.FN += w
		case pos:
			c.FP += w
		default:
			c.TN += w
		}
	}
	return c, nil
}

// Accuracy is the share of correct predictions.
func (c Confusion) Accuracy() float64 {
	return safeDiv(c.TP+c.TN, c.TP+c.TN+c.FP+c.FN)
}

// Precision is TP / (TP + FP), 0 when nothing is predicted positive (as
// scikit-learn's zero_division default).
func (c Confusion) Precision() float64 { return safeDiv(c.TP, c.TP+c.FP) }

// Recall is TP / (TP + FN), 0 when there are no positives.
func (c Confusion) Recall() float64 { return safeDiv(c.TP, c.TP+c.FN) }

// F1 is the harmonic mean of precision and recall, 2TP / (2TP + FP + FN).
func (c Confusion) F1() float64 { return safeDiv(2*c.TP, 2*c.TP+c.FP+c.FN) }

func safeDiv(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}
