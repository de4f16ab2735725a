"""Reference values for ml/metrics from scikit-learn and SciPy.

Writes tests/reference/fixtures/metrics.json: fixed inputs (from a seeded
generator, with ties and weights) and what the reference libraries compute on
them. The output is byte-for-byte deterministic; CI reruns this script and
fails if the file changes.
"""
import json
import pathlib

import numpy as np
import scipy.stats
from sklearn import metrics
from sklearn.calibration import calibration_curve

OUT = pathlib.Path(__file__).parent / "fixtures" / "metrics.json"


def floats(a):
    return [float(v) for v in np.asarray(a, dtype=float).ravel()]


def finite(a):
    # JSON has no infinity: the first ROC threshold is +inf by definition.
    return [None if not np.isfinite(v) else float(v) for v in np.asarray(a, dtype=float)]


def binary_case(name, y, p, w):
    yb = (y == 1)
    case = {"name": name, "y": floats(y), "p": floats(p), "w": floats(w) if w is not None else None}
    kw = {"sample_weight": w}
    case["roc_auc"] = metrics.roc_auc_score(y, p, **kw)
    case["average_precision"] = metrics.average_precision_score(y, p, **kw)
    case["log_loss"] = metrics.log_loss(y, np.clip(p, 0, 1), **kw)
    case["brier"] = metrics.brier_score_loss(y, np.clip(p, 0, 1), **kw)
    fpr, tpr, thr = metrics.roc_curve(y, p, **kw)
    case["roc_curve"] = {"fpr": floats(fpr), "tpr": floats(tpr), "thresholds": finite(thr)}
    prec, rec, thr = metrics.precision_recall_curve(y, p, **kw)
    case["pr_curve"] = {"precision": floats(prec), "recall": floats(rec), "thresholds": floats(thr)}
    at = {}
    for t in (0.3, 0.5, 0.7):
        pred = (p >= t).astype(int)
        tn, fp, fn, tp = metrics.confusion_matrix(y, pred, labels=[0, 1], **kw).ravel()
        at[repr(t)] = {
            "accuracy": metrics.accuracy_score(y, pred, **kw),
            "precision": metrics.precision_score(y, pred, zero_division=0, **kw),
            "recall": metrics.recall_score(y, pred, zero_division=0, **kw),
            "f1": metrics.f1_score(y, pred, zero_division=0, **kw),
            "confusion": [float(tn), float(fp), float(fn), float(tp)],
        }
    case["at_threshold"] = at
    if w is None:
        case["ks"] = float(scipy.stats.ks_2samp(p[yb], p[~yb]).statistic)
        pc = np.clip(p, 0, 1)
        cal = {}
        for strategy in ("uniform", "quantile"):
            pt, pp = calibration_curve(y, pc, n_bins=10, strategy=strategy)
            cal[strategy] = {"prob_true": floats(pt), "prob_pred": floats(pp)}
        case["calibration"] = cal
    return case


def regression_case(name, y, p, w):
    kw = {"sample_weight": w}
    return {
        "name": name, "y": floats(y), "p": floats(p), "w": floats(w) if w is not None else None,
        "rmse": metrics.root_mean_squared_error(y, p, **kw),
        "mae": metrics.mean_absolute_error(y, p, **kw),
        "r2": metrics.r2_score(y, p, **kw),
    }


def main():
    rng = np.random.default_rng(20261126)
    n = 300
    y = (rng.random(n) < 0.3).astype(int)
    p = np.clip(0.25 * y + rng.random(n) * 0.75, 0, 1)
    p_ties = np.round(p, 1)  # many tied scores
    w = rng.integers(1, 5, n).astype(float)
    rare = (rng.random(n) < 0.05).astype(int)
    rare[0] = 1
    p_rare = rng.random(n)
    binary = [
        binary_case("random", y, p, None),
        binary_case("ties", y, p_ties, None),
        binary_case("weighted", y, p, w),
        binary_case("weighted_ties", y, p_ties, w),
        binary_case("rare_positive", rare, p_rare, None),
        binary_case("extreme_probs", y, np.where(y == 1, 1.0, 0.0) * (rng.random(n) < 0.9), None),
    ]
    yr = rng.normal(10, 3, n)
    pr = yr + rng.normal(0, 1, n)
    regression = [
        regression_case("normal", yr, pr, None),
        regression_case("weighted", yr, pr, w),
        regression_case("constant_y_perfect", np.full(5, 2.0), np.full(5, 2.0), None),
        regression_case("constant_y_wrong", np.full(5, 2.0), np.arange(5.0), None),
    ]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"binary": binary, "regression": regression}, sort_keys=True, indent=1) + "\n")


if __name__ == "__main__":
    main()
