"""Reference values for monitor's drift tests, from SciPy and Evidently.

Writes two fixtures, byte-for-byte deterministic (CI reruns this script and
fails when either changes):

- fixtures/drift_scipy.json: statistics and p-values of scipy.stats.ks_2samp,
  chisquare, cramervonmises_2samp, wasserstein_distance, entropy and
  scipy.spatial.distance.jensenshannon on seeded samples.
- fixtures/drift_evidently.json: Evidently 0.7.23's drift score and verdict
  for every stat test on every applicable column pair, and the test its
  defaults pick.

Evidently 0.7.23 does not import under pandas 3, so it lives in a second
virtualenv (pandas 2.3.3). When this interpreter lacks it, the Evidently part
reruns this file with $WEIR_EVIDENTLY_PYTHON (default: .venv-evidently/bin/python
at the repository root, then /work/venv-evidently/bin/python); when none
exists it says so and leaves that fixture as it is.
"""
import json
import math
import os
import pathlib
import subprocess
import sys

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = pathlib.Path(__file__).parent / "fixtures"


def num(x):
    x = float(x)
    return x if math.isfinite(x) else None


def values(a):
    return [num(v) for v in a]


def write(name, obj):
    text = json.dumps(obj, sort_keys=True, indent=1, allow_nan=False) + "\n"
    (FIXTURES / name).write_text(text)


def rounded(rng_values, digits=3):
    return np.round(np.asarray(rng_values, dtype=float), digits)


def two_sample_cases():
    rng = np.random.default_rng(20261126)
    cases = []

    def add(name, a, b):
        cases.append((name, rounded(a), rounded(b)))

    add("equal_n_shift", rng.normal(0, 1, 60), rng.normal(0.5, 1, 60))
    add("equal_n_same", rng.normal(0, 1, 80), rng.normal(0, 1, 80))
    add("small_unequal", rng.normal(0, 1, 9), rng.normal(0.3, 1.2, 14))
    add("tiny_exact_cvm", rng.normal(0, 1, 5), rng.normal(1, 1, 7))
    add("ties_integers", rng.integers(0, 6, 40), rng.integers(1, 7, 55))
    add("ties_small", rng.integers(0, 3, 12), rng.integers(0, 4, 15))
    add("mid_unequal", rng.exponential(1, 700), rng.exponential(1.15, 1300))
    add("large_shift_small_p", rng.normal(0, 1, 900), rng.normal(0.4, 1, 1100))
    add("asymp_small_en", rng.normal(0, 1, 120), rng.normal(0.1, 1, 10500))
    add("asymp_large", rng.normal(0, 1, 10200), rng.normal(0.02, 1, 10100))
    add("asymp_large_drift", rng.normal(0, 1, 10400), rng.normal(0.08, 1.05, 10050))
    add("constant_vs_spread", np.full(30, 2.0), rng.normal(2, 1, 30))
    return cases


def scipy_fixture():
    import scipy
    import scipy.spatial.distance as ssd
    import scipy.stats as st

    out = {"scipy": scipy.__version__, "two_sample": [], "chisquare": [], "distributions": []}
    for name, a, b in two_sample_cases():
        ks = st.ks_2samp(a, b)
        case = {"name": name, "a": values(a), "b": values(b),
                "ks": [num(ks.statistic), num(ks.pvalue)],
                "wasserstein": num(st.wasserstein_distance(a, b))}
        if len(a) >= 2 and len(b) >= 2:
            cvm = st.cramervonmises_2samp(a, b)
            case["cvm"] = [num(cvm.statistic), num(cvm.pvalue)]
        out["two_sample"].append(case)

    rng = np.random.default_rng(7)
    chis = [
        ("uniform_ok", [10, 12, 9, 11], [10.5, 10.5, 10.5, 10.5]),
        ("skewed", [30, 5, 5, 2], [10.5, 10.5, 10.5, 10.5]),
        ("many", list(rng.integers(50, 150, 25)), None),
        ("two", [45, 55], [50, 50]),
        ("deep_tail", [900, 100, 0], [333.3333333333333, 333.3333333333333, 333.3333333333334]),
    ]
    for name, obs, exp in chis:
        obs = [float(v) for v in obs]
        if exp is None:
            exp = [sum(obs) / len(obs)] * len(obs)
        r = st.chisquare(obs, exp)
        out["chisquare"].append({"name": name, "obs": obs, "exp": [float(v) for v in exp],
                                 "statistic": num(r.statistic), "pvalue": num(r.pvalue)})

    dists = [
        ("close", [0.2, 0.3, 0.5], [0.25, 0.25, 0.5]),
        ("far", [0.9, 0.05, 0.05], [0.1, 0.1, 0.8]),
        ("unnormalised", [2, 3, 5, 0], [1, 1, 1, 1]),
        ("with_zero", [0.5, 0.5, 0.0], [0.4, 0.3, 0.3]),
    ]
    for name, p, q in dists:
        out["distributions"].append({
            "name": name, "p": [float(v) for v in p], "q": [float(v) for v in q],
            "jensenshannon": num(ssd.jensenshannon(p, q)),
            "kl": num(st.entropy(p, q)),
        })
    write("drift_scipy.json", out)


def evidently_columns():
    """Column pairs (reference, current) of every shape the defaults care about."""
    rng = np.random.default_rng(31337)
    nan = float("nan")
    cols = []

    def add(name, kind, ref, cur):
        cols.append((name, kind, list(ref), list(cur)))

    add("num_small_same", "num", rounded(rng.normal(0, 1, 400)), rounded(rng.normal(0, 1, 300)))
    add("num_small_shift", "num", rounded(rng.normal(0, 1, 400)), rounded(rng.normal(0.5, 1, 300)))
    add("num_large_same", "num", rounded(rng.normal(10, 2, 3000)), rounded(rng.normal(10, 2, 2000)))
    add("num_large_shift", "num", rounded(rng.gamma(2, 2, 3000)), rounded(rng.gamma(2, 2.6, 2000)))
    add("num_few_values_small", "num", rng.integers(0, 4, 500).astype(float), rng.integers(0, 5, 400).astype(float))
    add("num_binary_small", "num", rng.integers(0, 2, 300).astype(float), (rng.random(250) < 0.65).astype(float))
    add("num_fifteen_values_large", "num", rng.integers(0, 15, 2500).astype(float), rng.integers(2, 17, 1500).astype(float))
    add("num_few_values_large", "num", rng.integers(0, 4, 2500).astype(float), rng.integers(0, 4, 1800).astype(float))
    ref = rounded(rng.normal(0, 1, 600))
    ref[::7] = nan
    cur = rounded(rng.normal(0.1, 1, 500))
    cur[::5] = nan
    add("num_with_missing", "num", ref, cur)
    add("num_constant", "num", np.full(1500, 3.0), np.full(900, 3.0))
    add("num_constant_vs_moving", "num", np.full(1500, 3.0), rounded(rng.normal(3, 0.01, 900)))
    levels = ["a", "b", "c", "d"]
    add("cat_small_same", "cat", rng.choice(levels, 500, p=[0.4, 0.3, 0.2, 0.1]), rng.choice(levels, 400, p=[0.4, 0.3, 0.2, 0.1]))
    add("cat_small_shift", "cat", rng.choice(levels, 500, p=[0.4, 0.3, 0.2, 0.1]), rng.choice(levels, 400, p=[0.25, 0.25, 0.25, 0.25]))
    add("cat_unseen", "cat", rng.choice(levels[:3], 600), rng.choice(levels, 500))
    add("cat_binary_small", "cat", rng.choice(["no", "yes"], 700, p=[0.9, 0.1]), rng.choice(["no", "yes"], 600, p=[0.8, 0.2]))
    add("cat_large_shift", "cat", rng.choice(levels, 4000, p=[0.4, 0.3, 0.2, 0.1]), rng.choice(levels, 3000, p=[0.3, 0.3, 0.2, 0.2]))
    add("cat_large_same", "cat", rng.choice(levels, 4000, p=[0.4, 0.3, 0.2, 0.1]), rng.choice(levels, 3000, p=[0.4, 0.3, 0.2, 0.1]))
    add("cat_single_level", "cat", ["x"] * 200, ["x"] * 150)
    return cols


METHODS = ["ks", "chisquare", "z", "wasserstein", "jensenshannon", "psi", "kl_div", "hellinger", "cramer_von_mises"]


def evidently_fixture():
    import warnings

    import evidently
    import pandas as pd
    from evidently.legacy.calculations.stattests.registry import get_stattest
    from evidently.legacy.core import ColumnType

    warnings.simplefilter("ignore")
    out = {"evidently": evidently.__version__, "columns": []}
    for name, kind, ref, cur in evidently_columns():
        ctype = ColumnType.Numerical if kind == "num" else ColumnType.Categorical
        if kind == "num":
            rs = pd.Series(ref, dtype=float)
            cs = pd.Series(cur, dtype=float)
        else:
            rs = pd.Series(ref, dtype=object)
            cs = pd.Series(cur, dtype=object)
        # Evidently drops missing and infinite values before testing.
        rclean = rs.replace([-np.inf, np.inf], np.nan).dropna()
        cclean = cs.replace([-np.inf, np.inf], np.nan).dropna()
        default = get_stattest(rclean, cclean, ctype, None)
        col = {"name": name, "kind": kind,
               "reference": [None if isinstance(v, float) and math.isnan(v) else (float(v) if kind == "num" else v) for v in ref],
               "current": [None if isinstance(v, float) and math.isnan(v) else (float(v) if kind == "num" else v) for v in cur],
               "default": default.name, "results": {}}
        for m in METHODS:
            try:
                st = get_stattest(rclean, cclean, ctype, m)
                r = st(rclean.copy(), cclean.copy(), ctype, None)
            except Exception as e:  # not applicable to this column type
                col["results"][m] = {"error": type(e).__name__}
                continue
            # Evidently sums categories in set order, which moves with the
            # string hash seed; 12 significant digits keep the fixture
            # byte-stable (the Go test compares within 1e-6).
            score = num(r.drift_score)
            if score is not None:
                score = float(f"{score:.12g}")
            col["results"][m] = {"score": score, "drifted": bool(r.drifted),
                                 "threshold": float(r.actual_threshold)}
        out["columns"].append(col)
    write("drift_evidently.json", out)


def evidently_python():
    for p in (os.environ.get("WEIR_EVIDENTLY_PYTHON"), ROOT / ".venv-evidently" / "bin" / "python",
              pathlib.Path("/work/venv-evidently/bin/python")):
        if p and pathlib.Path(p).exists():
            return str(p)
    return None


def main():
    FIXTURES.mkdir(exist_ok=True)
    if "--evidently-only" in sys.argv:
        evidently_fixture()
        return
    scipy_fixture()
    try:
        import evidently  # noqa: F401
        evidently_fixture()
        return
    except ImportError:
        pass
    py = evidently_python()
    if py is None:
        print("gen_drift.py: no Python with evidently==0.7.23 found; drift_evidently.json left as is", file=sys.stderr)
        return
    env = dict(os.environ, PYTHONHASHSEED="0")
    subprocess.run([py, __file__, "--evidently-only"], check=True, env=env)


if __name__ == "__main__":
    main()
