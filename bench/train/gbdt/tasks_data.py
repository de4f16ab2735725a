"""Generate the data of the GBDT multiclass and regression benchmark once.

Writes train_X.npy (200,000 x 50), test_X.npy (50,000 x 50) and, for each
split, a 5-class label (*_class.npy) and a real target (*_target.npy) into
the directory given as the only argument. X is float64 in column-major
(Fortran) order, which both Weir and LightGBM read without a transposing
copy. Five columns have 5% missing values; the class is a noisy non-linear
score cut at its quintiles, the target the same score plus heavy-tailed
noise (so L1 and huber differ from L2).
"""

import pathlib
import sys

import numpy as np

ROWS, TEST_ROWS, COLS, CLASSES = 200_000, 50_000, 50, 5


def make(rng, n):
    X = np.empty((n, COLS), order="F")
    X[:, :20] = rng.standard_normal((n, 20))
    X[:, 20:40] = rng.uniform(0, 1, (n, 20))
    X[:, 40:50] = rng.integers(0, 30, (n, 10))
    z = (1.5 * X[:, 0] - X[:, 1] + np.sin(3 * X[:, 2]) + 0.8 * X[:, 3] * X[:, 4]
         + 2 * (X[:, 20] > 0.7) - 1.5 * X[:, 21] ** 2 + 0.1 * X[:, 40] - 0.05 * X[:, 41]
         + np.abs(X[:, 5]) - 0.5 * (X[:, 42] % 3 == 0) + 0.7 * X[:, 22] * X[:, 6])
    score = z + rng.logistic(0, 0.5, n)
    target = z + rng.standard_t(3, n)
    for j in (1, 7, 23, 33, 45):
        X[rng.uniform(0, 1, n) < 0.05, j] = np.nan
    return X, score, target


def main():
    out = pathlib.Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(20261206)
    Xtr, str_, ttr = make(rng, ROWS)
    Xte, ste, tte = make(rng, TEST_ROWS)
    cuts = np.quantile(str_, np.linspace(0, 1, CLASSES + 1)[1:-1])
    for name, X, s, t in (("train", Xtr, str_, ttr), ("test", Xte, ste, tte)):
        np.save(out / f"{name}_X.npy", X)
        np.save(out / f"{name}_class.npy", np.searchsorted(cuts, s).astype(np.float64))
        np.save(out / f"{name}_target.npy", t.astype(np.float64))
    print("wrote", out)


if __name__ == "__main__":
    main()
