"""Score a Weir model with MLflow's python_function flavor.

Weir writes this file into every model directory it saves (code/weir_pyfunc.py)
and names it as the flavor's loader_module, so that

    mlflow.pyfunc.load_model("models:/bank-marketing@champion").predict(df)

works with only mlflow installed (NumPy and pandas come with it). It reads
predictor.json (docs/model-format.md) and reproduces Weir's Go scorer: the
fitted preprocessor of ml/transform, then the learner of ml/linear, ml/tree or
ml/gbdt, then the decision. Rows are scored column by column with NumPy, in
the order of the Go arithmetic, so results agree with Weir's to rounding
(the tests in mlmodel/pyfunc_test.go hold them to 1e-9).

Every part of predictor.json carries its own format_version, and a version
this file does not know is refused with an error that names it.
"""

import json
import math
import os
import re

import numpy as np
import pandas as pd

# Versions of predictor.json: 1 is a binary predictor, 2 adds the task
# member (multiclass or regression).
PREDICTOR_VERSIONS = (1, 2)
PREPROCESSOR_VERSION = 1
LINEAR_VERSION = 1
TREE_VERSION = 1
TREE_VERSION_CLASSES = 2  # multiclass trees with class distributions
GBDT_VERSION = 1

BINARY, MULTICLASS, REGRESSION = "binary", "multiclass", "regression"


class WeirFormatError(ValueError):
    """predictor.json is damaged, or uses a format this loader does not read."""


def _load_pyfunc(path):
    """Return the model in path: predictor.json, or a directory holding it."""
    if os.path.isdir(path):
        path = os.path.join(path, "predictor.json")
    with open(path, "rb") as f:
        try:
            doc = json.loads(f.read().decode("utf-8"))
        except ValueError as e:
            raise WeirFormatError(f"{path} is not JSON: {e}") from None
    return WeirModel(doc)


# ---------------------------------------------------------------------------
# The predictor


class WeirModel:
    """A loaded Weir predictor; predict takes and returns pandas DataFrames."""

    def __init__(self, doc):
        if not isinstance(doc, dict) or "format_version" not in doc:
            raise WeirFormatError("not a Weir predictor file: no format_version")
        version = doc["format_version"]
        if version not in PREDICTOR_VERSIONS:
            raise WeirFormatError(
                f"predictor.json format_version {version!r} is not supported by this loader "
                f"(it reads {', '.join(map(str, PREDICTOR_VERSIONS))}); "
                "save the model again with a Weir whose loader reads it")
        if version == 1:
            if "task" in doc:
                raise WeirFormatError("predictor.json format_version 1 is binary and has no task member")
            self.task = BINARY
        else:
            self.task = doc.get("task")
            if self.task not in (MULTICLASS, REGRESSION):
                raise WeirFormatError(
                    f"predictor.json format_version 2 has task {self.task!r}, want multiclass or regression")
        self.target = doc.get("target", "")
        self.learner = doc.get("learner", "")
        self.classes = [str(c) for c in doc.get("classes") or []]
        self.threshold = float(doc.get("threshold", 0.5))
        self.cost_matrix = doc.get("cost_matrix")
        # A regression predictor's shift to its value of least expected cost.
        self.offset = float(doc.get("offset", 0.0))
        self.preprocessor = Preprocessor(doc.get("preprocessor"))
        self.inputs = self.preprocessor.inputs
        if [i["name"] for i in doc.get("inputs") or []] != [i["name"] for i in self.inputs]:
            raise WeirFormatError("predictor.json inputs differ from the preprocessor's")
        if list(doc.get("features") or []) != self.preprocessor.features:
            raise WeirFormatError("predictor.json features differ from the preprocessor's")
        self.model = load_learner(doc.get("model"))
        self._check()

    def _check(self):
        width = len(self.preprocessor.features)
        if self.model.num_features != width:
            raise WeirFormatError(
                f"the {self.learner} model reads {self.model.num_features} features "
                f"but the preprocessor writes {width}")
        if self.task == BINARY:
            if len(self.classes) != 2:
                raise WeirFormatError(f"a binary predictor has {len(self.classes)} classes, want 2")
            if self.model.output != "proba":
                raise WeirFormatError(f"learner {self.learner!r} does not give a probability")
        elif self.task == MULTICLASS:
            if self.model.output != "multi" or self.model.num_classes != len(self.classes):
                raise WeirFormatError(
                    f"a multiclass predictor of {len(self.classes)} classes needs a multiclass "
                    f"learner of as many; {self.learner!r} is not one")
            k = len(self.classes)
            if self.cost_matrix is not None and (
                    len(self.cost_matrix) != k or any(len(r) != k for r in self.cost_matrix)):
                raise WeirFormatError(f"cost_matrix is not {k} by {k}")
        elif self.model.output != "value":
            raise WeirFormatError(f"learner {self.learner!r} is not a regressor")

    def predict(self, model_input, params=None):
        """Score the rows of a DataFrame holding the model's input columns."""
        df = model_input if isinstance(model_input, pd.DataFrame) else pd.DataFrame(model_input)
        X = self.preprocessor.transform(df)
        if self.task == BINARY:
            proba = self.model.predict(X)
            labels = np.where(proba > self.threshold, self.classes[1], self.classes[0]).astype(object)
            return pd.DataFrame({"probability": proba, "label": labels}, index=df.index)
        if self.task == MULTICLASS:
            P = self.model.predict(X)
            best = self._decide(P)
            labels = np.asarray(self.classes, dtype=object)[best]
            return pd.DataFrame({"label": labels, "probabilities": [list(r) for r in P.tolist()]},
                                index=df.index)
        return pd.DataFrame({"prediction": self.model.predict(X) + self.offset}, index=df.index)

    def _decide(self, P):
        # As Predictor.Decide: the most probable class, the first on ties, or
        # the class of least expected cost; a NaN never wins.
        n, k = P.shape
        best = np.zeros(n, dtype=np.intp)
        if self.cost_matrix is None:
            top = P[:, 0].copy()
            for c in range(1, k):
                win = P[:, c] > top
                best[win], top[win] = c, P[win, c]
            return best
        C = np.asarray(self.cost_matrix, dtype=np.float64)
        top = np.full(n, np.inf)
        for j in range(k):
            cost = np.zeros(n)
            for i in range(k):
                cost += P[:, i] * C[i, j]
            win = cost < top
            best[win], top[win] = j, cost[win]
        return best


# ---------------------------------------------------------------------------
# Values: Go's number formatting and parsing, and input columns as slots


def go_format_float(x):
    """strconv.FormatFloat(x, 'g', -1, 64): how Go names a number category."""
    if x != x:
        return "NaN"
    if math.isinf(x):
        return "+Inf" if x > 0 else "-Inf"
    if x == 0:
        return "-0" if math.copysign(1.0, x) < 0 else "0"
    r = repr(float(x))
    sign = ""
    if r[0] == "-":
        sign, r = "-", r[1:]
    mant, _, exp = r.partition("e")
    whole, _, frac = mant.partition(".")
    digits = whole + frac
    dp = len(whole) + (int(exp) if exp else 0)
    stripped = digits.lstrip("0")
    dp -= len(digits) - len(stripped)
    digits = stripped.rstrip("0")
    nd = len(digits)
    e = dp - 1
    if e < -4 or e >= 6:  # %e, Go's rule for the shortest 'g'
        out = digits[0]
        if nd > 1:
            out += "." + digits[1:]
        out += "e-" if e < 0 else "e+"
        return sign + out + ("%02d" % abs(e))
    if dp <= 0:
        return sign + "0." + "0" * (-dp) + digits
    if dp >= nd:
        return sign + digits + "0" * (dp - nd)
    return sign + digits[:dp] + "." + digits[dp:]


_GO_FLOAT = re.compile(r"[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf|infinity|nan)\Z", re.I)


def go_parse_float(s):
    """strconv.ParseFloat(s, 64) for decimal text; ValueError otherwise."""
    if _GO_FLOAT.match(s):
        return float(s)
    if re.fullmatch(r"[+-]?0[xX][0-9a-fA-F.]+[pP][+-]?\d+", s):  # Go reads hexadecimal floats too
        return float.fromhex(s)
    raise ValueError(f"{s!r} is not a number")


def _is_missing(v):
    return v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and v != v)


def _seconds(ts):
    # As frame.TimeColumn.Float: whole Unix seconds plus nanoseconds / 1e9.
    ns = pd.Timestamp(ts)
    if ns.tzinfo is not None:
        ns = ns.tz_convert("UTC").tz_localize(None)
    v = ns.value
    sec, nsec = divmod(v, 1_000_000_000)
    return float(sec) + float(nsec) / 1e9


def _seconds_array(s):
    if getattr(s.dt, "tz", None) is not None:
        s = s.dt.tz_convert("UTC").dt.tz_localize(None)
    missing = s.isna().to_numpy()
    ns = s.astype("datetime64[ns]").to_numpy().view(np.int64)
    sec = np.floor_divide(ns, 1_000_000_000)
    out = sec.astype(np.float64) + (ns - sec * 1_000_000_000).astype(np.float64) / 1e9
    out[missing] = np.nan
    return out


def _number(v, name):
    if _is_missing(v):
        return np.nan
    if isinstance(v, (bool, np.bool_)):
        return 1.0 if v else 0.0
    if isinstance(v, (int, float, np.integer, np.floating)):
        return float(v)
    if isinstance(v, str):
        if v == "":
            return np.nan
        try:
            return go_parse_float(v)
        except ValueError:
            raise ValueError(f"input {name!r}: {v!r} is not a number") from None
    if isinstance(v, (pd.Timestamp, np.datetime64)) or hasattr(v, "timetuple"):
        return _seconds(v)
    raise ValueError(f"input {name!r}: unsupported value {v!r} of type {type(v).__name__}")


def numeric_slot(s, name):
    """A numeric input column as float64, NaN for missing (transform.toCell)."""
    dt = s.dtype
    if pd.api.types.is_bool_dtype(dt) or pd.api.types.is_numeric_dtype(dt):
        return s.to_numpy(dtype=np.float64, na_value=np.nan)
    if pd.api.types.is_datetime64_any_dtype(dt):
        return _seconds_array(s)
    return np.fromiter((_number(v, name) for v in s.to_numpy(dtype=object)), dtype=np.float64, count=len(s))


def _category(v, name):
    if _is_missing(v):
        return None
    if isinstance(v, str):
        return v
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    return go_format_float(_number(v, name))


class Categories:
    """A categorical column: codes into levels, -1 for missing.

    Levels are the text of the categories; two levels may hold the same
    text (1 and "1" in an object column), since only the text matters.
    """

    __slots__ = ("codes", "levels")

    def __init__(self, codes, levels):
        self.codes = np.asarray(codes, dtype=np.intp)
        self.levels = np.asarray(levels, dtype=object).reshape(-1)

    def missing(self):
        return self.codes < 0

    def level_mask(self, per_level):
        """Rows whose level satisfies per_level (a bool per level); missing rows are False."""
        per_level = np.append(np.asarray(per_level, dtype=bool).reshape(-1), False)
        return per_level[self.codes]  # code -1 picks the appended False


def categories_of_numbers(x):
    """Numbers as the categories their text names (cell.asCategory)."""
    codes = np.full(len(x), -1, dtype=np.intp)
    present = ~np.isnan(x)
    levels = []
    if present.any():
        uniq, inv = np.unique(x[present], return_inverse=True)
        levels = [go_format_float(u + 0.0) for u in uniq.tolist()]  # + 0.0: np.unique may keep -0
        codes[present] = inv.reshape(-1)
        neg_zero = (x == 0) & np.signbit(x)
        if neg_zero.any():  # Go names -0 apart from 0
            codes[neg_zero] = len(levels)
            levels.append("-0")
    return Categories(codes, levels)


def _factorized(values):
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return Categories(codes, np.asarray(uniques, dtype=object))


def categorical_slot(s, name):
    """A categorical input column as Categories (transform.toCell)."""
    dt = s.dtype
    if pd.api.types.is_bool_dtype(dt):
        arr = s.to_numpy(dtype=object)
        return _factorized(np.array([None if _is_missing(v) else ("true" if v else "false") for v in arr],
                                    dtype=object))
    if pd.api.types.is_numeric_dtype(dt):
        return categories_of_numbers(s.to_numpy(dtype=np.float64, na_value=np.nan))
    if pd.api.types.is_datetime64_any_dtype(dt):
        return categories_of_numbers(_seconds_array(s))
    if pd.api.types.is_string_dtype(dt) and pd.api.types.infer_dtype(s, skipna=True) in ("string", "empty"):
        return _factorized(s)  # text and missing values only: no conversion
    arr = s.to_numpy(dtype=object)
    out = np.empty(len(arr), dtype=object)
    for i, v in enumerate(arr):
        out[i] = v if type(v) is str else _category(v, name)
    return _factorized(out)


# ---------------------------------------------------------------------------
# The preprocessor (ml/transform)


class Slot:
    """One column flowing through the preprocessor: numbers or categories."""

    __slots__ = ("cat", "values")

    def __init__(self, cat, values):
        self.cat, self.values = cat, values

    def as_categories(self):
        return self.values if self.cat else categories_of_numbers(self.values)


class Preprocessor:
    """transform.Preprocessor: derived columns, then steps of transforms."""

    def __init__(self, doc):
        if not isinstance(doc, dict):
            raise WeirFormatError("predictor.json has no preprocessor")
        v = doc.get("format_version")
        if v != PREPROCESSOR_VERSION:
            raise WeirFormatError(
                f"preprocessor format_version {v!r} is not supported (this loader reads {PREPROCESSOR_VERSION})")
        self.inputs = list(doc.get("inputs") or [])
        self.features = list(doc.get("features") or [])
        if not self.inputs or not self.features:
            raise WeirFormatError("the preprocessor is not fitted")
        cat = {}
        for i in self.inputs:
            if i.get("kind") not in ("float", "int", "bool", "time", "categorical"):
                raise WeirFormatError(f"input {i.get('name')!r} has unknown kind {i.get('kind')!r}")
            cat[i["name"]] = i["kind"] == "categorical"
        self.derived = []
        for k, d in enumerate(doc.get("derived") or []):
            op = make_derivation(d, k)
            op.compile(cat)
            cat[op.output] = op.cat
            self.derived.append(op)
        self.steps = []
        names = []
        for k, sd in enumerate(doc.get("steps") or []):
            step = Step(sd, k, cat)
            names += step.names
            self.steps.append(step)
        if names != self.features:
            raise WeirFormatError(
                f"the preprocessor lists {len(self.features)} features but its transforms produce {len(names)}")

    def transform(self, df):
        """The feature matrix of df's rows: n by len(features), C order."""
        slots = {}
        for i in self.inputs:
            name = i["name"]
            if name not in df.columns:
                raise ValueError(f"the input has no column {name!r} (the model reads "
                                 f"{', '.join(repr(x['name']) for x in self.inputs)})")
            col = df[name]
            if isinstance(col, pd.DataFrame):
                raise ValueError(f"the input has more than one column {name!r}")
            if i["kind"] == "categorical":
                slots[name] = Slot(True, categorical_slot(col, name))
            else:
                slots[name] = Slot(False, numeric_slot(col, name))
        for op in self.derived:
            slots[op.output] = op.eval(slots)
        X = np.empty((len(df), len(self.features)), dtype=np.float64)
        off = 0
        for step in self.steps:
            off = step.run(slots, X, off)
        return X


def make_derivation(d, k):
    kinds = {"ratio": Ratio, "flag": Flag, "replace_with_nan": ReplaceWithNaN}
    t = d.get("type") if isinstance(d, dict) else None
    if t not in kinds:
        raise WeirFormatError(f"derivation {k + 1} has unknown type {t!r}")
    return kinds[t](d)


class Ratio:
    def __init__(self, d):
        self.output, self.num, self.den = d.get("name", ""), d.get("numerator"), d.get("denominator")

    def compile(self, cat):
        _known(cat, self.num, self.output)
        _known(cat, self.den, self.output)
        if cat[self.num] or cat[self.den]:
            raise WeirFormatError(f"ratio {self.output!r} needs numeric columns")
        self.cat = False

    def eval(self, slots):
        num, den = slots[self.num].values, slots[self.den].values
        with np.errstate(divide="ignore", invalid="ignore"):
            out = num / den
        out[den == 0] = np.nan
        return Slot(False, out)


class Flag:
    def __init__(self, d):
        self.output, self.column, self.value = d.get("name", ""), d.get("column"), str(d.get("value", ""))

    def compile(self, cat):
        _known(cat, self.column, self.output)
        self.on_cat = cat[self.column]
        if not self.on_cat:
            try:
                self.num = go_parse_float(self.value)
            except ValueError:
                raise WeirFormatError(f"flag {self.output!r}: value {self.value!r} is not a number "
                                      f"but column {self.column!r} is numeric") from None
        self.cat = False

    def eval(self, slots):
        v = slots[self.column].values
        if self.on_cat:
            out = v.level_mask(v.levels == self.value).astype(np.float64)
            out[v.missing()] = np.nan
        else:
            out = (v == self.num).astype(np.float64)
            out[np.isnan(v)] = np.nan
        return Slot(False, out)


class ReplaceWithNaN:
    def __init__(self, d):
        self.column = d.get("column")
        self.output = d.get("name") or self.column
        self.values = [str(x) for x in d.get("values") or []]

    def compile(self, cat):
        _known(cat, self.column, self.output)
        self.cat = cat[self.column]
        if not self.cat:
            try:
                self.nums = [go_parse_float(x) for x in self.values]
            except ValueError as e:
                raise WeirFormatError(f"replace_with_nan: {e} but column {self.column!r} is numeric") from None

    def eval(self, slots):
        v = slots[self.column].values
        if self.cat:
            hit = v.level_mask(_lookup(self.values, v.levels) >= 0)
            v = Categories(np.where(hit, -1, v.codes), v.levels)
        else:
            v = v.copy()
            for x in self.nums:
                v[v == x] = np.nan
        return Slot(self.cat, v)


def _known(cat, column, output):
    if column not in cat:
        raise WeirFormatError(f"derivation {output!r} reads unknown column {column!r}")


class Step:
    """One step: stages that map each value, then an optional encoder."""

    def __init__(self, sd, k, cat):
        self.columns = list(sd.get("columns") or [])
        label = sd.get("name") or ", ".join(self.columns)
        if not self.columns:
            raise WeirFormatError(f"step {k + 1} ({label}) has no columns")
        for c in self.columns:
            if c not in cat:
                raise WeirFormatError(f"step {k + 1} ({label}) reads unknown column {c!r}")
        any_cat = any(cat[c] for c in self.columns)
        self.stages, self.encoder = [], None
        for m, td in enumerate(sd.get("transforms") or []):
            where = f"step {k + 1} ({label}) transform {m + 1}"
            if self.encoder is not None:
                raise WeirFormatError(f"{where} comes after the encoder")
            t = td.get("type") if isinstance(td, dict) else None
            if t in STAGES:
                st = STAGES[t](td, len(self.columns), where)
                if any_cat and not st.accepts_categorical:
                    raise WeirFormatError(f"{where}: {t} needs numeric columns")
                self.stages.append(st)
            elif t in ENCODERS:
                self.encoder = ENCODERS[t](td, len(self.columns), where)
            else:
                raise WeirFormatError(f"{where} has unknown type {t!r}")
        if any_cat and self.encoder is None:
            raise WeirFormatError(f"step {k + 1} ({label}) has categorical columns but no encoder")
        self.names = []
        for j, c in enumerate(self.columns):
            self.names += self.encoder.names(j, c) if self.encoder else [c]

    def run(self, slots, X, off):
        for j, c in enumerate(self.columns):
            s = slots[c]
            s = Slot(s.cat, s.values)
            for st in self.stages:
                s = st.apply(j, s)
            if self.encoder is None:
                X[:, off] = s.values
                off += 1
            else:
                w = self.encoder.width(j)
                self.encoder.encode(j, s.as_categories(), X[:, off:off + w])
                off += w
        return off


def _per_column(td, key, ncols, where):
    v = td.get(key)
    if not isinstance(v, list) or len(v) != ncols:
        raise WeirFormatError(f"{where}: {key} has {len(v) if isinstance(v, list) else 'no'} entries "
                              f"for {ncols} columns")
    return v


class Imputer:
    def __init__(self, td, ncols, where):
        self.strategy = td.get("strategy") or "mean"
        self.fill = _per_column(td, "fill", ncols, where)
        self.accepts_categorical = self.strategy in ("most_frequent", "constant")

    def apply(self, j, s):
        f = self.fill[j]
        v = s.values
        if s.cat:
            levels = np.append(v.levels, f.get("text", ""))
            return Slot(True, Categories(np.where(v.missing(), len(levels) - 1, v.codes), levels))
        v = v.copy()
        v[np.isnan(v)] = float(f.get("number", 0.0))
        return Slot(False, v)


class StandardScaler:
    accepts_categorical = False

    def __init__(self, td, ncols, where):
        self.mean = _per_column(td, "mean", ncols, where)
        self.scale = _per_column(td, "scale", ncols, where)

    def apply(self, j, s):
        return Slot(False, (s.values - self.mean[j]) / self.scale[j])


class RobustScaler:
    accepts_categorical = False

    def __init__(self, td, ncols, where):
        self.center = _per_column(td, "center", ncols, where)
        self.scale = _per_column(td, "scale", ncols, where)

    def apply(self, j, s):
        return Slot(False, (s.values - self.center[j]) / self.scale[j])


class QuantileBins:
    accepts_categorical = False

    def __init__(self, td, ncols, where):
        edges = _per_column(td, "edges", ncols, where)
        self.inner = []
        for j, e in enumerate(edges):
            if len(e) < 2 or any(a > b for a, b in zip(e, e[1:])):
                raise WeirFormatError(f"{where}: column {j + 1} edges are not a sorted list of at least 2")
            self.inner.append(np.asarray(e[1:-1], dtype=np.float64))

    def apply(self, j, s):
        x = s.values
        # The number of inner edges <= x (numpy.searchsorted side="right").
        out = np.searchsorted(self.inner[j], x, side="right").astype(np.float64)
        out[np.isnan(x)] = np.nan
        return Slot(False, out)


STAGES = {"imputer": Imputer, "standard_scaler": StandardScaler, "robust_scaler": RobustScaler,
          "quantile_bins": QuantileBins}


def _lookup(keys, values):
    """The index of each value among keys, -1 for missing or unknown."""
    if not keys:
        return np.full(len(values), -1, dtype=np.intp)
    return pd.Index(keys, dtype=object).get_indexer(values)


def _key_index(keys, v):
    """The index among keys of each row's category, -1 for missing or unknown."""
    return np.append(_lookup(keys, v.levels), -1)[v.codes]


class OneHot:
    def __init__(self, td, ncols, where):
        self.columns = _per_column(td, "columns", ncols, where)

    def width(self, j):
        c = self.columns[j]
        return len(c.get("categories") or []) + bool(c.get("missing")) + bool(c.get("infrequent"))

    def names(self, j, col):
        c = self.columns[j]
        out = [f"{col}={s}" for s in c.get("categories") or []]
        if c.get("missing"):
            out.append(f"{col}=<missing>")
        if c.get("infrequent"):
            out.append(f"{col}=<infrequent>")
        return out

    def encode(self, j, v, dst):
        c = self.columns[j]
        cats, inf = list(c.get("categories") or []), list(c.get("infrequent") or [])
        pos = np.array(list(range(len(cats))) + [dst.shape[1] - 1] * len(inf), dtype=np.intp)
        k = _key_index(cats + inf, v)
        dst[:] = 0.0
        rows = np.nonzero(k >= 0)[0]
        dst[rows, pos[k[rows]]] = 1.0
        if c.get("missing"):
            dst[v.missing(), len(cats)] = 1.0


class Ordinal:
    def __init__(self, td, ncols, where):
        self.categories = _per_column(td, "categories", ncols, where)
        u = td.get("unknown")
        self.unknown = np.nan if u is None else float(u)

    def width(self, j):
        return 1

    def names(self, j, col):
        return [col]

    def encode(self, j, v, dst):
        k = _key_index(list(self.categories[j]), v)
        out = np.where(k >= 0, k.astype(np.float64), self.unknown)
        out[v.missing()] = np.nan
        dst[:, 0] = out


class TargetEncoder:
    def __init__(self, td, ncols, where):
        self.columns = _per_column(td, "columns", ncols, where)
        self.target_mean = float(td.get("target_mean", 0.0))
        for j, c in enumerate(self.columns):
            if len(c.get("encodings") or []) != len(c.get("categories") or []):
                raise WeirFormatError(f"{where}: column {j + 1} has encodings and categories of different lengths")

    def width(self, j):
        return 1

    def names(self, j, col):
        return [col]

    def encode(self, j, v, dst):
        c = self.columns[j]
        enc = np.asarray(c.get("encodings") or [], dtype=np.float64)
        k = _key_index(list(c.get("categories") or []), v)
        out = np.full(len(k), self.target_mean)
        out[k >= 0] = enc[k[k >= 0]]
        if c.get("missing"):
            out[v.missing()] = float(c.get("missing_encoding", 0.0))
        dst[:, 0] = out


ENCODERS = {"one_hot": OneHot, "ordinal": Ordinal, "target_encoder": TargetEncoder}


# ---------------------------------------------------------------------------
# Learners. Each has num_features, output ("proba": P(y=1) of a binary
# classifier, "multi": class probabilities, "value": a regression) and
# predict(X) for the feature matrix.


def load_learner(doc):
    if not isinstance(doc, dict):
        raise WeirFormatError("predictor.json has no model")
    name = doc.get("model")
    if name in LINEAR:
        return LINEAR[name](doc)
    if name in TREES:
        return Forest(doc)
    if name is None and "trees" in doc and "params" in doc:
        return GBDT(doc)
    raise WeirFormatError(f"model {name!r} is not one this loader scores")


def _version(doc, want, who):
    v = doc.get("format_version")
    if v != want:
        raise WeirFormatError(f"{who} format_version {v!r} is not supported (this loader reads {want})")


def _sigmoid_stable(z):
    # linear's sigmoid: 1/(1+e^-z) for z >= 0, e^z/(1+e^z) below.
    out = np.empty_like(z)
    pos = z >= 0
    with np.errstate(over="ignore"):
        out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
        e = np.exp(z[~pos])
    out[~pos] = e / (1.0 + e)
    return out


def _affine(X, coef, intercept, skip_zero):
    # b + Σ w_j·x_j, feature by feature in order, as ml/linear sums it.
    z = np.full(X.shape[0], float(intercept))
    for j, w in enumerate(coef):
        if w != 0 or not skip_zero:
            z += w * X[:, j]
    return z


class LogisticRegression:
    output = "proba"

    def __init__(self, doc):
        _version(doc, LINEAR_VERSION, "logistic regression")
        self.coef = [float(w) for w in doc.get("coef") or []]
        self.intercept = float(doc.get("intercept", 0.0))
        if not self.coef:
            raise WeirFormatError("logistic regression has no coefficients")
        self.num_features = len(self.coef)

    def predict(self, X):
        # Decision skips zero coefficients, so a missing value there is harmless.
        with np.errstate(invalid="ignore"):
            return _sigmoid_stable(_affine(X, self.coef, self.intercept, True))


class MultinomialLogisticRegression:
    output = "multi"

    def __init__(self, doc):
        _version(doc, LINEAR_VERSION, "multinomial logistic regression")
        self.coef = [[float(w) for w in row] for row in doc.get("coef") or []]
        self.intercept = [float(b) for b in doc.get("intercept") or []]
        self.num_classes = int(doc.get("n_classes", 0))
        if self.num_classes < 3 or len(self.coef) != self.num_classes or len(self.intercept) != self.num_classes:
            raise WeirFormatError("multinomial logistic regression: n_classes does not match its coefficients")
        self.num_features = len(self.coef[0])
        if self.num_features == 0 or any(len(r) != self.num_features for r in self.coef):
            raise WeirFormatError("multinomial logistic regression: coefficient rows differ in length")

    def predict(self, X):
        Z = np.column_stack([_affine(X, w, b, False) for w, b in zip(self.coef, self.intercept)])
        zmax = Z[:, 0].copy()
        for c in range(1, Z.shape[1]):
            zmax = np.maximum(zmax, Z[:, c])
        with np.errstate(invalid="ignore", over="ignore"):
            E = np.exp(Z - zmax[:, None])
        total = np.zeros(X.shape[0])
        for c in range(E.shape[1]):
            total += E[:, c]
        return E / total[:, None]


class LinearRegression:
    output = "value"

    def __init__(self, doc):
        _version(doc, LINEAR_VERSION, doc.get("model"))
        self.coef = [float(w) for w in doc.get("coef") or []]
        self.intercept = float(doc.get("intercept", 0.0))
        if not self.coef:
            raise WeirFormatError(f"{doc.get('model')} has no coefficients")
        self.num_features = len(self.coef)

    def predict(self, X):
        return _affine(X, self.coef, self.intercept, False)


LINEAR = {"logistic_regression": LogisticRegression,
          "multinomial_logistic_regression": MultinomialLogisticRegression,
          "linear_regression": LinearRegression, "ridge": LinearRegression}


class FlatTree:
    """A tree as arrays over nodes, leaves included, walked for all rows at once.

    A row at a split node goes left when its value is <= threshold; a missing
    value goes left when nan_left. At a categorical node it goes left when
    the value's integer code is in the node's set.
    """

    def __init__(self, feature, threshold, left, right, nan_left, value, cat_sets=None):
        self.feature = np.asarray(feature, dtype=np.intp)
        self.threshold = np.asarray(threshold, dtype=np.float64)
        self.left = np.asarray(left, dtype=np.intp)
        self.right = np.asarray(right, dtype=np.intp)
        self.nan_left = np.asarray(nan_left, dtype=bool)
        self.value = np.asarray(value, dtype=np.float64)
        self.is_leaf = self.feature < 0
        # child[2i] is node i's right child, child[2i+1] its left one.
        self.child = np.empty(2 * len(self.feature), dtype=np.intp)
        self.child[0::2], self.child[1::2] = self.right, self.left
        self.any_nan_left = bool(self.nan_left.any())
        self.cat_index = None
        if cat_sets:  # {node: codes}: the set of each categorical node
            top = max((max(c) for c in cat_sets.values() if c), default=0)
            self.cat_index = np.full(len(self.feature), -1, dtype=np.intp)
            self.cat_codes = []
            # Small codes (ordinal encodings) get a table of membership.
            self.cat_table = np.zeros((len(cat_sets), top + 1), dtype=bool) if top < 1 << 16 else None
            for r, (node, codes) in enumerate(sorted(cat_sets.items())):
                self.cat_index[node] = r
                self.cat_codes.append(np.asarray(codes, dtype=np.int64))
                if self.cat_table is not None:
                    self.cat_table[r, codes] = True

    def predict(self, Xflat, p, n):
        """The leaf value of each row of the n by p matrix flattened in Xflat."""
        if self.is_leaf[0]:
            return np.full(n, self.value[0])
        out = np.empty(n)
        rows = np.arange(n, dtype=np.intp)
        base = rows * p
        nd = np.zeros(n, dtype=np.intp)
        # Rows still at a split node, with the node they are at; a row that
        # reaches a leaf writes its value and leaves the walk.
        while rows.size:
            v = Xflat[base + self.feature[nd]]
            go = v <= self.threshold[nd]
            if self.any_nan_left:
                go |= np.isnan(v) & self.nan_left[nd]
            if self.cat_index is not None:
                ci = self.cat_index[nd]
                cat = ci >= 0
                if cat.any():
                    go[cat] = self._member(ci[cat], v[cat])
            nd = self.child[2 * nd + go]
            leaf = self.is_leaf[nd]
            if leaf.any():
                out[rows[leaf]] = self.value[nd[leaf]]
                more = ~leaf
                rows, base, nd = rows[more], base[more], nd[more]
        return out

    def _member(self, ci, v):
        # gbdt's catCode: NaN, negative and codes of 2^24 or more are missing
        # and go right; a fraction is truncated.
        with np.errstate(invalid="ignore"):
            ok = (v >= 0) & (v < 16777216)
        code = np.where(ok, v, 0).astype(np.int64)
        if self.cat_table is None:
            member = np.zeros(len(code), dtype=bool)
            for r in np.unique(ci).tolist():
                at = ci == r
                member[at] = np.isin(code[at], self.cat_codes[r])
            return ok & member
        top = self.cat_table.shape[1]
        ok &= code < top
        return ok & self.cat_table[ci, np.minimum(code, top - 1)]


_MAX_FLOAT64 = 1.7976931348623157e308


class Forest:
    """ml/tree forests and trees: the mean of the trees' leaf values."""

    def __init__(self, doc):
        name = doc.get("model")
        v = doc.get("format_version")
        if v not in (TREE_VERSION, TREE_VERSION_CLASSES):
            raise WeirFormatError(f"{name} format_version {v!r} is not supported "
                                  f"(this loader reads {TREE_VERSION} and {TREE_VERSION_CLASSES})")
        self.output = "value" if name.endswith("regressor") else "proba"
        self.num_classes = 0
        self.num_features = int(doc.get("n_features", 0))
        trees = doc.get("trees") or []
        if self.num_features <= 0 or not trees:
            raise WeirFormatError(f"{name} has no features or no trees")
        k = int(trees[0].get("n_classes") or 0)
        if k > 0:
            # Multiclass trees: each leaf holds its class distribution.
            self.output, self.num_classes = "multi", k
        self.trees = [self._tree(t, j, name) for j, t in enumerate(trees)]

    def _tree(self, t, k, name):
        try:
            feature, left, right = (np.asarray(t.get(key) or [], dtype=np.intp) for key in ("feature", "left", "right"))
            threshold, value = (np.asarray(t.get(key) or [], dtype=np.float64) for key in ("threshold", "value"))
            n = len(feature)
            ml = np.asarray(t.get("missing_left") or np.zeros(n, dtype=bool), dtype=bool)
        except (TypeError, ValueError) as e:
            raise WeirFormatError(f"{name} tree {k}: {e}") from None
        if n == 0 or any(len(a) != n for a in (left, right, threshold, value, ml)):
            raise WeirFormatError(f"{name} tree {k}: node arrays are empty or differ in length")
        # Children come after their parent, so every walk ends at a leaf.
        ids = np.arange(n)
        split = feature >= 0
        bad = split & ((feature >= self.num_features) | (left <= ids) | (right <= ids) | (left >= n) | (right >= n))
        if bad.any():
            raise WeirFormatError(f"{name} tree {k}: node {int(np.argmax(bad))} has a bad feature or children")
        # JSON has no infinity: the largest float64 stands for +Inf.
        threshold[threshold == _MAX_FLOAT64] = np.inf
        if self.num_classes:
            dist = np.asarray(t.get("class_dist") or [], dtype=np.float64)
            if int(t.get("n_classes") or 0) != self.num_classes or dist.size != n * self.num_classes:
                raise WeirFormatError(f"{name} tree {k}: class distributions do not match its {n} nodes")
            # The walk answers the leaf's node number, which picks its row.
            tree = FlatTree(feature, threshold, left, right, ml, np.arange(n, dtype=np.float64))
            tree.dist = dist.reshape(n, self.num_classes)
            return tree
        return FlatTree(feature, threshold, left, right, ml, value)

    def predict(self, X):
        n, p = X.shape
        flat = X.ravel()
        if self.num_classes:
            P = np.zeros((n, self.num_classes))
            for t in self.trees:
                P += t.dist[t.predict(flat, p, n).astype(np.intp)]
            return P / len(self.trees)
        s = np.zeros(n)
        for t in self.trees:
            s += t.predict(flat, p, n)
        return s / len(self.trees)


class GBDT:
    """ml/gbdt: init_score plus the trees' leaf values, in order."""

    def __init__(self, doc):
        _version(doc, GBDT_VERSION, "gbdt")
        params = doc.get("params") or {}
        self.objective = params.get("objective")
        self.num_classes = 0
        if self.objective == "binary":
            self.output = "proba"
        elif self.objective in ("regression", "regression_l1", "huber"):
            self.output = "value"
        elif self.objective == "multiclass":
            # K trees per iteration: tree t adds to class t mod K.
            self.output = "multi"
            self.num_classes = int(params.get("num_class") or 0)
        else:
            raise WeirFormatError(f"gbdt objective {self.objective!r} is not one this loader scores")
        self.num_features = int(doc.get("num_features", 0))
        self.init_score = float(doc.get("init_score", 0.0))
        if self.num_features < 1:
            raise WeirFormatError("gbdt model has no features")
        self.trees = [self._tree(t, k) for k, t in enumerate(doc.get("trees") or [])]
        if self.output == "multi" and (self.num_classes < 3 or len(self.trees) % self.num_classes):
            raise WeirFormatError(f"multiclass gbdt has {len(self.trees)} trees for {self.num_classes} classes")

    def _tree(self, t, k):
        sf = t.get("split_feature") or []
        n = len(sf)
        keys = ("threshold", "categories", "default_left", "missing_as_zero", "left_child", "right_child")
        thr, cats, dl, mz, lc, rc = (t.get(key) or [] for key in keys)
        leaf_value = t.get("leaf_value") or []
        if any(len(a) != n for a in (thr, cats, dl, mz, lc, rc)) or len(leaf_value) != n + 1:
            raise WeirFormatError(f"gbdt tree {k}: node arrays differ in length")
        # Leaves become nodes n, n+1, ...: child c < 0 is leaf ^c.
        child = lambda c: c if c >= 0 else n + ~c  # noqa: E731
        feature, threshold, nan_left, cat_sets = list(sf), [], [], {}
        for i in range(n):
            if not 0 <= sf[i] < self.num_features or not all(
                    (i < c < n) if c >= 0 else (~c <= n) for c in (lc[i], rc[i])):
                raise WeirFormatError(f"gbdt tree {k}: node {i} has a bad feature or children")
            if cats[i] is not None:
                cat_sets[i] = [int(c) for c in cats[i]]
                if any(not 0 <= c < 1 << 24 for c in cat_sets[i]):
                    raise WeirFormatError(f"gbdt tree {k}: node {i} has a category code outside 0 to 2^24")
                threshold.append(np.nan)
                nan_left.append(False)
            else:
                threshold.append(float(thr[i]))
                # A missing value is 0 (missing_as_zero) or goes default_left.
                nan_left.append((0.0 <= thr[i]) if mz[i] else bool(dl[i]))
        feature += [-1] * (n + 1)
        threshold += [0.0] * (n + 1)
        nan_left += [False] * (n + 1)
        left = [child(c) for c in lc] + [0] * (n + 1)
        right = [child(c) for c in rc] + [0] * (n + 1)
        value = [0.0] * n + [float(x) for x in leaf_value]
        return FlatTree(feature, threshold, left, right, nan_left, value, cat_sets)

    def predict(self, X):
        n, p = X.shape
        flat = X.ravel()
        if self.output == "multi":
            k = self.num_classes
            S = np.full((n, k), self.init_score)
            for t, tree in enumerate(self.trees):
                S[:, t % k] += tree.predict(flat, p, n)
            # Softmax as Go computes it: shifted by the row's largest score,
            # summed in class order.
            E = np.exp(S - S.max(axis=1, keepdims=True))
            total = np.zeros(n)
            for c in range(k):
                total += E[:, c]
            return E / total[:, None]
        s = np.full(n, self.init_score)
        for t in self.trees:
            s += t.predict(flat, p, n)
        if self.output == "proba":
            with np.errstate(over="ignore"):
                return 1.0 / (1.0 + np.exp(-s))
        return s


TREES = ("random_forest_classifier", "random_forest_regressor",
         "decision_tree_classifier", "decision_tree_regressor")
