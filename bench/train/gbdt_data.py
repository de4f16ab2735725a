"""Generate the GBDT training benchmark's synthetic data set once.

Writes train_X.npy (1,000,000 x 50), train_y.npy, test_X.npy (200,000 x 50)
and test_y.npy into the directory given as the only argument. X is float64
in column-major (Fortran) order, which both Weir (column-major matrices)
and LightGBM read without a transposing copy. Five columns have 5% missing
values; the label depends non-linearly on twelve of the columns.
"""

import pathlib
import sys

import numpy as np

ROWS, TEST_ROWS, COLS = 1_000_000, 200_000, 50


def make(rng, n):
    X = np.empty((n, COLS), order="F")
    X[:, :20] = rng.standard_normal((n, 20))
    X[:, 20:40] = rng.uniform(0, 1, (n, 20))
    X[:, 40:50] = rng.integers(0, 30, (n, 10))
    z = (1.5 * X[:, 0] - X[:, 1] + np.sin(3 * X[:, 2]) + 0.8 * X[:, 3] * X[:, 4]
         + 2 * (X[:, 20] > 0.7) - 1.5 * X[:, 21] ** 2 + 0.1 * X[:, 40] - 0.05 * X[:, 41]
         + np.abs(X[:, 5]) - 0.5 * (X[:, 42] % 3 == 0) + 0.7 * X[:, 22] * X[:, 6] - 1.0)
    y = (rng.uniform(0, 1, n) < 1 / (1 + np.exp(-z))).astype(np.float64)
    for j in (1, 7, 23, 33, 45):
        X[rng.uniform(0, 1, n) < 0.05, j] = np.nan
    return X, y


def main():
    out = pathlib.Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(20261126)
    for name, n in (("train", ROWS), ("test", TEST_ROWS)):
        X, y = make(rng, n)
        np.save(out / f"{name}_X.npy", X)
        np.save(out / f"{name}_y.npy", y)
    print("wrote", out)


if __name__ == "__main__":
    main()
