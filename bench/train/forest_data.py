"""Write the random-forest training benchmark's data sets as .npy files.

    forest_data.py DIR

DIR/bank/ holds the bank-marketing data encoded as in Weir's reference tests
(duration left out, categoricals one-hot in sorted level order, 2008 rows to
train, 2009-2010 to test); DIR/synthetic/ holds 200,000 training and 50,000
test rows of 50 features with a non-linear signal in twelve of them. X is
float64 in column-major order, which Weir reads straight into its matrix;
scikit-learn gets the same arrays. The bank part is skipped (with a message)
when the data is absent.
"""

import pathlib
import sys

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "tests" / "reference"))
from gen_linear_tree import bank_encode, bank_path  # noqa: E402

TRAIN, TEST, COLS = 200_000, 50_000, 50


def synthetic(rng, n):
    X = np.empty((n, COLS), order="F")
    X[:, :20] = rng.standard_normal((n, 20))
    X[:, 20:40] = rng.uniform(0, 1, (n, 20))
    X[:, 40:50] = rng.integers(0, 30, (n, 10))
    z = (1.5 * X[:, 0] - X[:, 1] + np.sin(3 * X[:, 2]) + 0.8 * X[:, 3] * X[:, 4]
         + 2 * (X[:, 20] > 0.7) - 1.5 * X[:, 21] ** 2 + 0.1 * X[:, 40] - 0.05 * X[:, 41]
         + np.abs(X[:, 5]) - 0.5 * (X[:, 42] % 3 == 0) + 0.7 * X[:, 22] * X[:, 6] - 1.0)
    y = (rng.uniform(0, 1, n) < 1 / (1 + np.exp(-z))).astype(np.float64)
    return X, y


def save(d, name, X, y):
    d.mkdir(parents=True, exist_ok=True)
    np.save(d / f"{name}_X.npy", np.asfortranarray(X))
    np.save(d / f"{name}_y.npy", y)


def main():
    out = pathlib.Path(sys.argv[1])
    rng = np.random.default_rng(20261126)
    for name, n in (("train", TRAIN), ("test", TEST)):
        save(out / "synthetic", name, *synthetic(rng, n))
    path = bank_path()
    if path is None:
        print("bank-marketing data not found: bank benchmark skipped", file=sys.stderr)
    else:
        _, Xtr, ytr, Xte, yte = bank_encode(path)
        save(out / "bank", "train", Xtr, ytr)
        save(out / "bank", "test", Xte, yte)
    print("wrote", out)


if __name__ == "__main__":
    main()
