"""Tables for the example pipelines, from scikit-learn's bundled datasets.

Writes tests/reference/fixtures/datasets/{wine,diabetes,breast_cancer}.csv:
each dataset with a ``part`` column (train or holdout, from
train_test_split with a fixed seed, stratified for classification), and
datasets/defaults.json: the holdout scores of scikit-learn's default
learners fitted on the train part, the bar the example pipelines must
reach. The output is deterministic; CI reruns this script and fails if any
byte changes.
"""
import json
import pathlib

import numpy as np
import pandas as pd
from sklearn.datasets import load_breast_cancer, load_diabetes, load_wine
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor, RandomForestClassifier, RandomForestRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import accuracy_score, mean_squared_error, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

OUT = pathlib.Path(__file__).parent / "fixtures" / "datasets"


def write(name, X, y, target, classification):
    df = X.copy()
    df[target] = y
    idx = np.arange(len(df))
    tr, ho = train_test_split(idx, test_size=0.25, random_state=0, stratify=y if classification else None)
    part = np.array(["train"] * len(df), dtype=object)
    part[ho] = "holdout"
    df["part"] = part
    OUT.mkdir(parents=True, exist_ok=True)
    df.to_csv(OUT / f"{name}.csv", index=False, float_format="%.6g", lineterminator="\n")
    # Read back, so the defaults are scored on exactly the rounded values.
    df = pd.read_csv(OUT / f"{name}.csv")
    Xr = df.drop(columns=[target, "part"])
    train, hold = df["part"] == "train", df["part"] == "holdout"
    return Xr[train], df[target][train], Xr[hold], df[target][hold]


def main():
    scores = {}
    X, y = load_wine(return_X_y=True, as_frame=True)
    y = y.map({0: "barolo", 1: "grignolino", 2: "barbera"})
    Xt, yt, Xh, yh = write("wine", X, y, "cultivar", True)
    scores["wine"] = {"metric": "accuracy"}
    for name, m in [("logistic_regression", make_pipeline(StandardScaler(), LogisticRegression())),
                    ("random_forest", RandomForestClassifier(random_state=0)),
                    ("hist_gradient_boosting", HistGradientBoostingClassifier(random_state=0))]:
        scores["wine"][name] = float(accuracy_score(yh, m.fit(Xt, yt).predict(Xh)))

    X, y = load_diabetes(return_X_y=True, as_frame=True, scaled=False)
    Xt, yt, Xh, yh = write("diabetes", X, y, "progression", False)
    scores["diabetes"] = {"metric": "rmse"}
    for name, m in [("linear_regression", LinearRegression()),
                    ("random_forest", RandomForestRegressor(random_state=0)),
                    ("hist_gradient_boosting", HistGradientBoostingRegressor(random_state=0))]:
        scores["diabetes"][name] = float(np.sqrt(mean_squared_error(yh, m.fit(Xt, yt).predict(Xh))))

    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    X.columns = [c.replace(" ", "_") for c in X.columns]
    y = y.map({0: "malignant", 1: "benign"})
    Xt, yt, Xh, yh = write("breast_cancer", X, y, "diagnosis", True)
    scores["breast_cancer"] = {"metric": "roc_auc"}
    for name, m in [("logistic_regression", make_pipeline(StandardScaler(), LogisticRegression())),
                    ("random_forest", RandomForestClassifier(random_state=0)),
                    ("hist_gradient_boosting", HistGradientBoostingClassifier(random_state=0))]:
        p = m.fit(Xt, yt).predict_proba(Xh)[:, list(m.classes_).index("malignant")]
        scores["breast_cancer"][name] = float(roc_auc_score(yh == "malignant", p))
    (OUT / "defaults.json").write_text(json.dumps(scores, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
