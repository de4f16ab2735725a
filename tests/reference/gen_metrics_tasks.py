"""Reference values for ml/metrics' multiclass, binary-report and regression
metrics and baselines, from scikit-learn.

Writes tests/reference/fixtures/metrics_tasks.json: seeded inputs (tied
probabilities, sample weights with zeros, a class never predicted, a class
absent from y, zero targets, even and odd counts) and what scikit-learn
computes on them. Keys of "metrics" are the keys of Go's metrics.Multiclass,
metrics.Binary and metrics.Regression; null marks a value scikit-learn gives
as NaN. The output is byte-for-byte deterministic; CI reruns this script and
fails if the file changes.
"""
import json
import pathlib
import warnings

import numpy as np
import scipy.stats
from sklearn import metrics
from sklearn.dummy import DummyClassifier, DummyRegressor

OUT = pathlib.Path(__file__).parent / "fixtures" / "metrics_tasks.json"


def floats(a):
    return [float(v) for v in np.asarray(a, dtype=float).ravel()]


def num(v):
    v = float(v)
    return None if np.isnan(v) else v


def multiclass_case(name, y, proba, w):
    n, k = proba.shape
    labels = list(range(k))
    kw = {"sample_weight": w}
    pred = np.argmax(proba, axis=1)
    m = {
        "accuracy": metrics.accuracy_score(y, pred, **kw),
        "balanced_accuracy": metrics.balanced_accuracy_score(y, pred, **kw),
        "log_loss": metrics.log_loss(y, proba, labels=labels, **kw),
        "brier": metrics.brier_score_loss(y, proba, labels=labels, **kw),
    }
    for avg in ("macro", "weighted"):
        p, r, f, _ = metrics.precision_recall_fscore_support(
            y, pred, labels=labels, average=avg, zero_division=0, **kw)
        m["precision_" + avg], m["recall_" + avg], m["f1_" + avg] = p, r, f
    p, r, f, _ = metrics.precision_recall_fscore_support(
        y, pred, labels=labels, average=None, zero_division=0, **kw)
    for c in labels:
        m[f"precision_class_{c}"], m[f"recall_class_{c}"], m[f"f1_class_{c}"] = p[c], r[c], f[c]
    # A two-column binary problem takes the scores of class 1 in scikit-learn.
    score = proba[:, 1] if k == 2 else proba
    auc_kw = {} if k == 2 else {"labels": labels}
    m["roc_auc_ovr"] = metrics.roc_auc_score(y, score, multi_class="ovr", average="macro", **auc_kw, **kw)
    m["roc_auc_ovr_weighted"] = metrics.roc_auc_score(
        y, score, multi_class="ovr", average="weighted", **auc_kw, **kw)
    if w is None:
        m["roc_auc_ovo"] = metrics.roc_auc_score(y, score, multi_class="ovo", average="macro", **auc_kw)
        m["roc_auc_ovo_weighted"] = metrics.roc_auc_score(y, score, multi_class="ovo", average="weighted", **auc_kw)
    cm = metrics.confusion_matrix(y, pred, labels=labels, **kw)
    dummy = DummyClassifier(strategy="prior").fit(np.zeros((n, 1)), y, sample_weight=w)
    priors = np.zeros(k)
    priors[dummy.classes_] = dummy.class_prior_
    return {
        "name": name, "k": k, "y": floats(y), "proba": floats(proba),
        "w": floats(w) if w is not None else None,
        "pred": floats(pred),
        "confusion": floats(cm),
        "metrics": {key: num(v) for key, v in m.items()},
        "prior_baseline": {
            "label": float(dummy.predict(np.zeros((1, 1)))[0]),
            "proba": floats(priors),
        },
    }


def binary_case(name, y, p, w):
    kw = {"sample_weight": w}
    pred = (p > 0.5).astype(int)
    m = {
        "accuracy": metrics.accuracy_score(y, pred, **kw),
        "balanced_accuracy": metrics.balanced_accuracy_score(y, pred, **kw),
        "precision": metrics.precision_score(y, pred, zero_division=0, **kw),
        "recall": metrics.recall_score(y, pred, zero_division=0, **kw),
        "f1": metrics.f1_score(y, pred, zero_division=0, **kw),
        "log_loss": metrics.log_loss(y, p, **kw),
        "brier": metrics.brier_score_loss(y, p, **kw),
        "roc_auc": metrics.roc_auc_score(y, p, **kw),
        "pr_auc": metrics.average_precision_score(y, p, **kw),
    }
    if w is None:
        m["ks"] = scipy.stats.ks_2samp(p[y == 1], p[y == 0]).statistic
    return {
        "name": name, "y": floats(y), "p": floats(p), "w": floats(w) if w is not None else None,
        "metrics": {key: num(v) for key, v in m.items()},
    }


def regression_case(name, y, p, w, train=None, train_w=None):
    kw = {"sample_weight": w}
    m = {
        "rmse": metrics.root_mean_squared_error(y, p, **kw),
        "mae": metrics.mean_absolute_error(y, p, **kw),
        "r2": metrics.r2_score(y, p, **kw),
        "mape": metrics.mean_absolute_percentage_error(y, p, **kw),
        "explained_variance": metrics.explained_variance_score(y, p, **kw),
        "median_ae": metrics.median_absolute_error(y, p, **kw),
    }
    # The baselines are fitted on y itself with its weights.
    X = np.zeros((len(y), 1))
    mean = DummyRegressor(strategy="mean").fit(X, y, sample_weight=w).predict(X[:1])[0]
    med = DummyRegressor(strategy="median").fit(X, y, sample_weight=w).predict(X[:1])[0]
    return {
        "name": name, "y": floats(y), "p": floats(p), "w": floats(w) if w is not None else None,
        "metrics": {key: num(v) for key, v in m.items()},
        "mean_baseline": float(mean), "median_baseline": float(med),
    }


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def grid_proba(rng, y, k, strength, steps):
    """Probabilities on a grid of 1/steps, so many scores tie, leaning to y."""
    z = rng.normal(0, 1, (len(y), k))
    z[np.arange(len(y)), y] += strength
    probs = softmax(z)
    return np.array([rng.multinomial(steps, row) for row in probs]) / steps


def multiclass_cases(rng):
    cases = []
    n = 240
    y4 = rng.integers(0, 4, n)
    smooth = softmax(rng.normal(0, 1, (n, 4)) + 1.2 * np.eye(4)[y4])
    w_int = rng.integers(1, 5, n).astype(float)
    w_frac = rng.random(n) * 3
    w_frac[rng.random(n) < 0.1] = 0.0
    cases.append(multiclass_case("k4_smooth", y4, smooth, None))
    cases.append(multiclass_case("k4_smooth_weighted", y4, smooth, w_int))
    grid = grid_proba(rng, y4, 4, 1.0, 10)
    cases.append(multiclass_case("k4_ties", y4, grid, None))
    cases.append(multiclass_case("k4_ties_fractional_weights", y4, grid, w_frac))

    # Class 3 is never the most probable: its precision is 0 by zero_division.
    never = smooth.copy()
    never[:, 3] *= 0.05
    never /= never.sum(axis=1, keepdims=True)
    cases.append(multiclass_case("k4_class_never_predicted", y4, never, None))
    cases.append(multiclass_case("k4_class_never_predicted_weighted", y4, never, w_int))

    # Class 2 never occurs in y: macro OvR AUC is undefined, OvO skips it.
    y_abs = np.where(y4 == 2, 0, y4)
    cases.append(multiclass_case("k4_class_absent_from_y", y_abs, grid, None))
    cases.append(multiclass_case("k4_class_absent_from_y_weighted", y_abs, grid, w_int))

    y5 = np.minimum(rng.geometric(0.45, 300) - 1, 4)  # imbalanced
    p5 = grid_proba(rng, y5, 5, 1.5, 20)
    cases.append(multiclass_case("k5_imbalanced_ties", y5, p5, None))
    cases.append(multiclass_case("k5_imbalanced_ties_weighted", y5, p5, rng.integers(0, 4, 300).astype(float)))

    y2 = rng.integers(0, 2, 120)
    p1 = np.clip(0.3 * y2 + rng.random(120) * 0.7, 0, 1)
    p2 = np.column_stack([1 - p1, p1])
    cases.append(multiclass_case("k2_two_columns", y2, p2, None))
    cases.append(multiclass_case("k2_two_columns_weighted", y2, p2, w_int[:120]))

    y3 = rng.integers(0, 3, 9)
    p3 = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [0.5, 0.5, 0], [0.2, 0.3, 0.5],
                   [0, 0, 1], [1, 0, 0], [0.25, 0.5, 0.25], [0, 1, 0]], dtype=float)
    cases.append(multiclass_case("k3_certain_and_tied_rows", y3, p3, None))
    return cases


def binary_cases(rng):
    n = 200
    y = (rng.random(n) < 0.35).astype(int)
    p = np.round(np.clip(0.3 * y + rng.random(n) * 0.7, 0, 1), 2)
    p[:5] = 0.5  # exactly 0.5 predicts class 0
    w = rng.integers(1, 4, n).astype(float)
    return [binary_case("ties", y, p, None), binary_case("ties_weighted", y, p, w)]


def regression_cases(rng):
    n = 301
    y = rng.normal(10, 3, n)
    p = y + rng.normal(0.5, 1, n)
    w = rng.integers(1, 5, n).astype(float)
    w_zero = w.copy()
    w_zero[::7] = 0.0
    zeros = np.round(rng.normal(0, 2, 40))  # integer targets, several exactly 0
    zeros_p = zeros + np.round(rng.normal(0, 1, 40), 1)
    ties_y = np.round(rng.normal(5, 2, 60))
    ties_p = ties_y + np.round(rng.normal(0, 1, 60))
    return [
        regression_case("normal_odd", y, p, None),
        regression_case("normal_even", y[:300], p[:300], None),
        regression_case("weighted", y, p, w),
        regression_case("weighted_with_zeros", y, p, w_zero),
        regression_case("zero_targets", zeros, zeros_p, None),
        regression_case("ties", ties_y, ties_p, None),
        regression_case("ties_unit_weights", ties_y, ties_p, np.ones(60)),
        regression_case("weighted_median_split", np.array([1.0, 2, 3, 4]), np.array([0.0, 0, 0, 0]),
                        np.array([1.0, 1, 0, 2])),
        regression_case("constant_y_perfect", np.full(5, 2.0), np.full(5, 2.0), None),
        regression_case("constant_y_shifted", np.full(5, 2.0), np.full(5, 3.0), None),
        regression_case("constant_y_wrong", np.full(5, 2.0), np.arange(5.0), None),
    ]


def main():
    rng = np.random.default_rng(20261206)
    with warnings.catch_warnings():
        # Undefined AUCs and classes only in predictions warn; the fixture
        # records the values (NaN as null).
        warnings.simplefilter("ignore")
        out = {
            "multiclass": multiclass_cases(rng),
            "binary": binary_cases(rng),
            "regression": regression_cases(rng),
        }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(out, sort_keys=True, indent=1) + "\n")


if __name__ == "__main__":
    main()
