package mlmodel

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/weir-ml/weir/ml"
	"github.com/weir-ml/weir/ml/frame"
	"github.com/weir-ml/weir/ml/gbdt"
	"github.com/weir-ml/weir/ml/linear"
	"github.com/weir-ml/weir/ml/predictor"
	"github.com/weir-ml/weir/ml/transform"
	"github.com/weir-ml/weir/ml/tree"
)

// pyfuncTolerance bounds the difference between the Python loader's
// probabilities and the Go scorer's. Both sum in the same order; what is
// left is NumPy's exp against Go's, a few ulps apart.
const pyfuncTolerance = 1e-9

func TestWritePyfunc(t *testing.T) {
	dir := t.TempDir()
	fl, err := WritePyfunc(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"code": "code", "data": "predictor.json",
		"env":           map[string]any{"conda": "conda.yaml", "virtualenv": "python_env.yaml"},
		"loader_module": "weir_pyfunc", "python_version": "3.11", "streamable": false,
	}
	if !reflect.DeepEqual(fl, want) {
		t.Errorf("flavor = %v, want %v", fl, want)
	}
	for name, b := range PyfuncFiles() {
		got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, b) {
			t.Errorf("%s holds other bytes than PyfuncFiles gives", name)
		}
	}
	tests := []struct {
		file, want string
	}{
		{RequirementsFile, "mlflow==3.17.2\nnumpy\npandas\n"},
		{PythonEnvFile, "python: 3.11\nbuild_dependencies:\n- pip\n- setuptools\n- wheel\ndependencies:\n- -r requirements.txt\n"},
		{"code/weir_pyfunc.py", "def _load_pyfunc(path):"},
	}
	for _, tt := range tests {
		b, _ := os.ReadFile(filepath.Join(dir, tt.file))
		if !strings.Contains(string(b), tt.want) {
			t.Errorf("%s = %q, want it to hold %q", tt.file, b, tt.want)
		}
	}
	again := t.TempDir()
	if _, err := WritePyfunc(again); err != nil {
		t.Fatal(err)
	}
	for name := range PyfuncFiles() {
		a, _ := os.ReadFile(filepath.Join(dir, name))
		b, _ := os.ReadFile(filepath.Join(again, name))
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between two writes", name)
		}
	}
}

// TestPyfuncKeepsWeirLoading checks that a directory with the
// python_function flavor patched in still loads in Go and keeps its
// MLmodel keys in MLflow's order.
func TestPyfuncKeepsWeirLoading(t *testing.T) {
	dir := mustPyfuncSaved(t, mustPredictor(t, mustSmall(t)), nil)
	m, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := m.MLmodel.Flavors[PyfuncFlavorName]; !ok {
		t.Errorf("flavors lack %s after the patch", PyfuncFlavorName)
	}
	b, _ := os.ReadFile(filepath.Join(dir, MLmodelFile))
	want := "  python_function:\n    code: code\n    data: predictor.json\n    env:\n      conda: conda.yaml\n" +
		"      virtualenv: python_env.yaml\n    loader_module: weir_pyfunc\n    python_version: \"3.11\"\n" +
		"    streamable: false\n  weir:\n"
	if !strings.Contains(string(b), want) {
		t.Errorf("MLmodel =\n%s\nwant it to hold\n%s", b, want)
	}
}

// mustPyfuncSaved saves p with Save, adds the python_function flavor as
// Save will, and returns the directory.
func mustPyfuncSaved(tb testing.TB, p *predictor.Predictor, example *frame.Frame) string {
	tb.Helper()
	dir := filepath.Join(tb.TempDir(), "model")
	if err := Save(dir, p, Info{Example: example}); err != nil {
		tb.Fatal(err)
	}
	fl, err := WritePyfunc(dir)
	if err != nil {
		tb.Fatal(err)
	}
	f, err := readFile(dir)
	if err != nil {
		tb.Fatal(err)
	}
	f.Flavors[PyfuncFlavorName] = fl
	b, err := f.Marshal()
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, MLmodelFile), b, 0o644); err != nil {
		tb.Fatal(err)
	}
	return dir
}

// scoreWithPyfunc is run by the venv's Python: it builds a DataFrame from
// the columns in argv[2] (typed by their Weir kinds), scores it with
// mlflow.pyfunc.load_model(argv[1]) and, when the model has one, scores its
// input example, and writes the output columns to argv[3]. Numbers travel
// as repr strings, so exactly.
const scoreWithPyfunc = `
import json, sys, time
import numpy as np, pandas as pd
import mlflow.pyfunc
from mlflow.models import Model

d, inp, out = sys.argv[1:4]
spec = json.load(open(inp))
dtypes = {"float": "float64", "int": "int64", "categorical": object, "bool": "bool", "time": "datetime64[ns]"}
def value(v, kind):
    if kind == "time":
        return pd.NaT if v is None else pd.Timestamp(v).tz_convert("UTC").tz_localize(None)
    if kind == "float":
        return np.nan if v is None else float(v)  # infinities come as text
    return v
if spec.get("raw"):  # values as JSON gave them, scored without mlflow's schema enforcement
    df = pd.DataFrame({c["name"]: pd.Series(c["values"], dtype=object) for c in spec["columns"]})
else:
    df = pd.DataFrame({c["name"]: pd.Series([value(v, c["kind"]) for v in c["values"]], dtype=dtypes[c["kind"]])
                       for c in spec["columns"]})
def columns(pred):
    def enc(v):
        if isinstance(v, str):
            return v
        if isinstance(v, list):
            return [repr(float(x)) for x in v]
        return repr(float(v))
    return {"columns": list(pred.columns), "values": {c: [enc(v) for v in pred[c]] for c in pred.columns}}
meta = Model.load(d)
model = mlflow.pyfunc.load_model(d)
predict = model._model_impl.predict if spec.get("raw") else model.predict
predict(df.head(2))  # warm up
start = time.perf_counter()
pred = predict(df)
res = {"seconds": time.perf_counter() - start, "frame": columns(pred)}
if spec.get("raw"):
    X = model._model_impl.preprocessor.transform(df)
    res["features"] = [[repr(x) for x in row] for row in X.tolist()]
if meta.saved_input_example_info:
    res["example"] = columns(model.predict(meta.load_input_example(d)))
json.dump(res, open(out, "w"))
`

// pyfuncOutput is one DataFrame that the loader returned.
type pyfuncOutput struct {
	Columns []string `json:"columns"`
	// Values holds each column: labels as text, numbers as Python reprs,
	// lists of probabilities as lists of reprs.
	Values map[string][]any `json:"values"`
}

type pyfuncResult struct {
	// Features holds the preprocessor's output of a raw spec, as reprs.
	Features [][]string   `json:"features"`
	Seconds  float64      `json:"seconds"`
	Frame    pyfuncOutput `json:"frame"`
	Example  pyfuncOutput `json:"example"`
}

// floats returns column name of o as numbers.
func (o pyfuncOutput) floats(tb testing.TB, name string) []float64 {
	tb.Helper()
	out := make([]float64, len(o.Values[name]))
	for i, v := range o.Values[name] {
		s, _ := v.(string)
		x, err := strconv.ParseFloat(s, 64)
		if err != nil {
			tb.Fatalf("column %s row %d: %v is not a number", name, i, v)
		}
		out[i] = x
	}
	return out
}

// strings returns column name of o as text.
func (o pyfuncOutput) strings(name string) []string {
	out := make([]string, len(o.Values[name]))
	for i, v := range o.Values[name] {
		out[i], _ = v.(string)
	}
	return out
}

// runPyfunc scores f with the model in dir through mlflow.pyfunc.
func runPyfunc(tb testing.TB, py, dir string, f *frame.Frame) pyfuncResult {
	tb.Helper()
	spec := pyfuncSpec{Columns: columnsOf(f)}
	return runPyfuncSpec(tb, py, dir, spec)
}

// pyfuncColumn is one input column as the scoring script reads it.
type pyfuncColumn struct {
	Name   string `json:"name"`
	Kind   string `json:"kind"`
	Values []any  `json:"values"`
}

// pyfuncSpec is the scoring script's input: columns, and whether to give
// their values to the loader as they are, in object columns.
type pyfuncSpec struct {
	Columns []pyfuncColumn `json:"columns"`
	Raw     bool           `json:"raw"`
}

// columnsOf returns f's columns, infinities written as text.
func columnsOf(f *frame.Frame) []pyfuncColumn {
	var cols []pyfuncColumn
	for _, fl := range f.Schema().Fields {
		c, _ := f.Column(fl.Name)
		col := pyfuncColumn{Name: fl.Name, Kind: fl.Kind.String(), Values: make([]any, f.NumRows())}
		for i := range col.Values {
			col.Values[i] = c.Value(i)
			if x, ok := col.Values[i].(float64); ok && math.IsInf(x, 0) {
				col.Values[i] = strconv.FormatFloat(x, 'g', -1, 64) // JSON has no infinity
			}
		}
		cols = append(cols, col)
	}
	return cols
}

// runPyfuncSpec scores the columns of spec with the model in dir.
func runPyfuncSpec(tb testing.TB, py, dir string, spec pyfuncSpec) pyfuncResult {
	tb.Helper()
	tmp := tb.TempDir()
	in, out := filepath.Join(tmp, "in.json"), filepath.Join(tmp, "out.json")
	b, err := json.Marshal(spec)
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(in, b, 0o644); err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command(py, "-c", scoreWithPyfunc, dir, in, out)
	if msg, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("mlflow.pyfunc could not score the model: %v\n%s", err, msg)
	}
	var res pyfuncResult
	b, _ = os.ReadFile(out)
	if err := json.Unmarshal(b, &res); err != nil {
		tb.Fatalf("reading the scores: %v", err)
	}
	return res
}

// comparePyfunc checks Python's probabilities and labels against Go's.
func comparePyfunc(tb testing.TB, what string, gotProba []float64, gotLabels []string, want []float64, wantLabels []string) {
	tb.Helper()
	if len(gotProba) != len(want) || len(gotLabels) != len(wantLabels) {
		tb.Fatalf("%s: Python scored %d rows, Go %d", what, len(gotProba), len(want))
	}
	bad := 0
	for i, got := range gotProba {
		same := math.Abs(got-want[i]) <= pyfuncTolerance || (math.IsNaN(got) && math.IsNaN(want[i]))
		if (!same || gotLabels[i] != wantLabels[i]) && bad < 5 {
			tb.Errorf("%s row %d: Python gives %v %q, Go %v %q", what, i, got, gotLabels[i], want[i], wantLabels[i])
		}
		if !same || gotLabels[i] != wantLabels[i] {
			bad++
		}
	}
	if bad > 0 {
		tb.Errorf("%s: %d of %d rows differ by more than %g", what, bad, len(want), pyfuncTolerance)
	}
}

func pyfuncPython(tb testing.TB) string {
	tb.Helper()
	py := os.Getenv("WEIR_PYTHON")
	if py == "" {
		tb.Skip("WEIR_PYTHON is not set: set it to a Python with mlflow 3.17.2 to run the python_function loader")
	}
	return py
}

// checkPyfunc saves p with f's first examples rows as its input example,
// scores f with mlflow.pyfunc and with p, and compares them; it returns
// Python's scoring time.
func checkPyfunc(tb testing.TB, py string, p *predictor.Predictor, f *frame.Frame, examples int) float64 {
	tb.Helper()
	var ex *frame.Frame
	if examples > 0 {
		var err error
		if ex, err = f.Slice(0, examples); err != nil {
			tb.Fatal(err)
		}
	}
	dir := mustPyfuncSaved(tb, p, ex)
	res := runPyfunc(tb, py, dir, f)
	if !slices.Equal(res.Frame.Columns, []string{"probability", "label"}) {
		tb.Fatalf("pyfunc output columns = %q, want probability and label", res.Frame.Columns)
	}
	want, wantLabels, err := p.PredictFrame(f)
	if err != nil {
		tb.Fatal(err)
	}
	comparePyfunc(tb, "frame", res.Frame.floats(tb, "probability"), res.Frame.strings("label"), want, wantLabels)
	if examples > 0 {
		comparePyfunc(tb, "input example", res.Example.floats(tb, "probability"), res.Example.strings("label"),
			want[:examples], wantLabels[:examples])
	}
	return res.Seconds
}

// syntheticCSV returns n rows with every column kind a preprocessor reads
// as input (time excepted), missing values in the float and categorical
// columns, rare categories and a binary target that depends on them.
func syntheticCSV(n int, seed uint64) string {
	r := rand.New(rand.NewPCG(seed, 7))
	jobs := []string{"admin", "manager", "student", "worker", "retired", "unknown", "artist", "pilot"}
	edus := []string{"primary", "secondary", "tertiary"}
	regions := []string{"north", "south", "east", "west"}
	contacts := []string{"cell", "phone"}
	var b strings.Builder
	b.WriteString("age,balance,score,pdays,day,month,member,job,edu,city,region,contact,y\n")
	for i := 0; i < n; i++ {
		age := 18 + r.IntN(60)
		balance := fmt.Sprint(math.Round(r.NormFloat64()*1500+800) / 4)
		if r.Float64() < 0.1 {
			balance = ""
		}
		score := fmt.Sprint(r.ExpFloat64() * 3)
		if r.Float64() < 0.15 {
			score = ""
		}
		pdays := -1
		if r.Float64() < 0.3 {
			pdays = r.IntN(400)
		}
		job := jobs[min(r.IntN(len(jobs)+2), len(jobs)-1)]
		if job == "pilot" && r.Float64() < 0.7 {
			job = "admin" // pilots stay rare: an infrequent one-hot category
		}
		if r.Float64() < 0.05 {
			job = ""
		}
		edu := edus[r.IntN(len(edus))]
		if r.Float64() < 0.05 {
			edu = ""
		}
		city := fmt.Sprintf("c%02d", r.IntN(40))
		if r.Float64() < 0.05 {
			city = ""
		}
		contact := contacts[r.IntN(2)]
		if r.Float64() < 0.1 {
			contact = ""
		}
		member := r.Float64() < 0.4
		z := -1 + 0.02*float64(age-40) + 0.3*float64(len(job)%3) - 0.5*float64(len(city)%2)
		if member {
			z += 0.8
		}
		if pdays >= 0 {
			z += 1
		}
		z += r.NormFloat64()
		y := "no"
		if z > 0 {
			y = "yes"
		}
		fmt.Fprintf(&b, "%d,%s,%s,%d,%d,%d,%t,%s,%s,%s,%s,%s,%s\n", age, balance, score, pdays, 1+r.IntN(31),
			1+r.IntN(12), member, job, edu, city, regions[r.IntN(len(regions))], contact, y)
	}
	return b.String()
}

// oddRows are rows no training row looks like: unseen categories and
// numbers, missing values everywhere they may be, numbers out of range.
const oddRows = `30,,,-1,0,13,false,astronaut,phd,atlantis,nowhere,pigeon,no
99,1e9,1e9,1000,32,0,true,,,,,,yes
18,-1e9,0,-1,1,1,false,pilot,primary,c00,north,,no
45,0,,0,31,12,true,unknown,,c39,west,cell,yes
`

var syntheticKinds = map[string]frame.Kind{
	"age": frame.Int, "balance": frame.Float, "score": frame.Float, "pdays": frame.Int, "day": frame.Int,
	"month": frame.Int, "member": frame.Bool, "job": frame.Categorical, "edu": frame.Categorical,
	"city": frame.Categorical, "region": frame.Categorical, "contact": frame.Categorical, "y": frame.Categorical,
}

func mustSynthetic(tb testing.TB, csv string) *frame.Frame {
	tb.Helper()
	f, err := frame.ReadCSV(strings.NewReader(csv), frame.CSVOptions{Kinds: syntheticKinds})
	if err != nil {
		tb.Fatal(err)
	}
	return f
}

// everyTransform uses every derivation and transform type of ml/transform.
func everyTransform() *transform.Preprocessor {
	return &transform.Preprocessor{
		Derived: []transform.Derivation{
			&transform.Ratio{Name: "balance_per_age", Numerator: "balance", Denominator: "pdays"},
			&transform.Flag{Name: "never", Column: "pdays", Value: "-1"},
			&transform.Flag{Name: "is_student", Column: "job", Value: "student"},
			&transform.ReplaceWithNaN{Column: "pdays", Values: []string{"-1"}},
			&transform.ReplaceWithNaN{Name: "job_known", Column: "job", Values: []string{"unknown"}},
		},
		Steps: []transform.Step{
			{Name: "numeric", Columns: []string{"age", "balance"}, Transforms: []transform.Transformer{
				&transform.Imputer{Strategy: transform.Median}, &transform.StandardScaler{}}},
			{Name: "robust", Columns: []string{"score", "balance_per_age"}, Transforms: []transform.Transformer{
				&transform.Imputer{Strategy: transform.Mean}, &transform.RobustScaler{}}},
			{Name: "pdays", Columns: []string{"pdays"}, Transforms: []transform.Transformer{
				&transform.Imputer{Strategy: transform.Constant, FillValue: 999}, &transform.QuantileBins{Bins: 3}}},
			{Name: "day", Columns: []string{"day"}, Transforms: []transform.Transformer{&transform.QuantileBins{Bins: 4}}},
			{Name: "flags", Columns: []string{"never", "is_student", "member"}, Transforms: []transform.Transformer{
				&transform.Imputer{Strategy: transform.MostFrequent}}},
			{Name: "month", Columns: []string{"month"}, Transforms: []transform.Transformer{&transform.OneHot{}}},
			{Name: "job", Columns: []string{"job_known"}, Transforms: []transform.Transformer{
				&transform.Imputer{Strategy: transform.MostFrequent}, &transform.OneHot{MinFrequency: 40}}},
			{Name: "edu", Columns: []string{"edu"}, Transforms: []transform.Transformer{
				&transform.Imputer{Strategy: transform.Constant}, &transform.Ordinal{Unknown: transform.Fixed(-1)}}},
			{Name: "city", Columns: []string{"city"}, Transforms: []transform.Transformer{&transform.TargetEncoder{Seed: 1}}},
			{Name: "region", Columns: []string{"region"}, Transforms: []transform.Transformer{
				&transform.TargetEncoder{Seed: 2, Smooth: transform.Fixed(10)}}},
			{Name: "contact", Columns: []string{"contact"}, Transforms: []transform.Transformer{&transform.OneHot{}}},
		},
	}
}

// treeInputs keeps raw numbers (missing ones included) as features, so that
// scoring rows can hold a split's threshold exactly; job, edu and city are
// ordinal codes, which gbdt reads as categorical features 0, 1 and 2.
func treeInputs() *transform.Preprocessor {
	return &transform.Preprocessor{
		Steps: []transform.Step{
			{Name: "codes", Columns: []string{"job", "edu", "city"}, Transforms: []transform.Transformer{&transform.Ordinal{}}},
			{Name: "numbers", Columns: []string{"balance", "score", "age", "pdays", "day", "member"}},
			{Name: "contact", Columns: []string{"contact"}, Transforms: []transform.Transformer{&transform.OneHot{}}},
		},
	}
}

// thresholdRows returns copies of f's first row with balance (feature 3
// of treeInputs) set to each threshold on it in the model's JSON, and to
// its float64 neighbours.
func thresholdRows(tb testing.TB, m any, f *frame.Frame) *frame.Frame {
	tb.Helper()
	doc := mustTrees(tb, m)
	var values []float64
	for _, t := range doc.Trees {
		feat := t.Feature
		if feat == nil {
			feat = t.SplitFeature
		}
		for i, j := range feat {
			if j == 3 && (t.Categories == nil || t.Categories[i] == nil) && len(values) < 60 {
				x := t.Threshold[i]
				values = append(values, x, math.Nextafter(x, math.Inf(-1)), math.Nextafter(x, math.Inf(1)))
			}
		}
	}
	if len(values) == 0 {
		tb.Fatal("the model has no split on balance")
	}
	rows := make([]int, len(values))
	g, err := f.Take(rows)
	if err != nil {
		tb.Fatal(err)
	}
	g, err = g.With("balance", &frame.FloatColumn{Values: values})
	if err != nil {
		tb.Fatal(err)
	}
	return g
}

// treeJSON is the part of ml/tree's and ml/gbdt's JSON that tests read.
type treeJSON struct {
	Trees []struct {
		Feature      []int     `json:"feature"`       // ml/tree
		MissingLeft  []bool    `json:"missing_left"`  // ml/tree
		SplitFeature []int     `json:"split_feature"` // ml/gbdt
		Threshold    []float64 `json:"threshold"`
		Categories   [][]int   `json:"categories"`
		DefaultLeft  []bool    `json:"default_left"`
		MissingZero  []bool    `json:"missing_as_zero"`
	} `json:"trees"`
}

func mustTrees(tb testing.TB, m any) treeJSON {
	tb.Helper()
	b, err := json.Marshal(m)
	if err != nil {
		tb.Fatal(err)
	}
	var doc treeJSON
	if err := json.Unmarshal(b, &doc); err != nil {
		tb.Fatal(err)
	}
	return doc
}

// splitKinds counts a tree model's categorical splits and its numeric
// splits that send a missing value left.
func splitKinds(tb testing.TB, m any) (categorical, missingLeft int) {
	tb.Helper()
	if _, ok := m.(*linear.LogisticRegression); ok {
		return 0, 0
	}
	for _, t := range mustTrees(tb, m).Trees {
		for i := range t.Threshold {
			switch {
			case t.Categories != nil && t.Categories[i] != nil:
				categorical++
			case t.MissingLeft != nil && t.MissingLeft[i],
				t.DefaultLeft != nil && t.DefaultLeft[i],
				t.MissingZero != nil && t.MissingZero[i] && t.Threshold[i] >= 0:
				missingLeft++
			}
		}
	}
	return categorical, missingLeft
}

func TestPyfuncMatchesGo(t *testing.T) {
	py := pyfuncPython(t)
	train := mustSynthetic(t, syntheticCSV(1500, 1))
	tests := []struct {
		name  string
		pre   func() *transform.Preprocessor
		model func() ml.Classifier
		// The model must hold categorical splits, or splits that send
		// missing values left, for the case to test them.
		categorical, missingLeft bool
	}{
		{"logistic regression, every transform", everyTransform, func() ml.Classifier { return linear.NewLogisticRegression() }, false, false},
		{"random forest, every transform", everyTransform, func() ml.Classifier {
			rf := tree.NewRandomForestClassifier()
			rf.NEstimators, rf.Seed, rf.Workers = 15, 1, 1
			return rf
		}, false, false},
		{"random forest, missing values", treeInputs, func() ml.Classifier {
			rf := tree.NewRandomForestClassifier()
			rf.NEstimators, rf.Seed, rf.Workers = 25, 2, 1
			return rf
		}, false, true},
		{"gbdt, categorical and missing values", treeInputs, func() ml.Classifier {
			g := gbdt.NewClassifier()
			g.NEstimators, g.NumThreads, g.MinDataPerGroup, g.CategoricalFeatures = 60, 1, 10, []int{0, 1, 2}
			return g
		}, true, true},
		{"gbdt, missing read as zero", treeInputs, func() ml.Classifier {
			g := gbdt.NewClassifier()
			g.NEstimators, g.NumThreads, g.UseMissing = 40, 1, false
			return g
		}, false, true},
		{"gbdt, every transform", everyTransform, func() ml.Classifier {
			g := gbdt.NewClassifier()
			g.NEstimators, g.NumThreads = 40, 1
			return g
		}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := predictor.Fit(context.Background(), train, "y", predictor.Spec{Preprocessor: tt.pre(), Model: tt.model()})
			if err != nil {
				t.Fatal(err)
			}
			cat, left := splitKinds(t, p.Model)
			if (tt.categorical && cat == 0) || (tt.missingLeft && left == 0) {
				t.Fatalf("the model has %d categorical splits and %d sending missing values left: it tests too little", cat, left)
			}
			score := mustSynthetic(t, syntheticCSV(300, 2)+oddRows)
			if _, ok := p.Model.(*linear.LogisticRegression); !ok {
				if slices.Contains(p.FeatureNames(), "balance") && p.FeatureNames()[3] == "balance" {
					whole, err := frame.Concat(score, thresholdRows(t, p.Model, score))
					if err != nil {
						t.Fatal(err)
					}
					score = whole
				}
			}
			checkPyfunc(t, py, p, score, 5)
		})
	}
}

// mustTaskDir writes a model directory holding only predictor.json in
// version 2's form (ml/predictor's task documents) and the python_function
// flavor, for the tasks whose predictors are not in ml/predictor yet.
func mustTaskDir(tb testing.TB, task string, classes []string, pre *transform.Preprocessor, model any) string {
	tb.Helper()
	doc := map[string]any{
		"format_version": 2, "task": task, "learner": "test", "target": "t",
		"inputs": pre.Inputs, "features": pre.Features, "preprocessor": pre, "model": model,
	}
	if classes != nil {
		doc["classes"] = classes
	}
	b, err := json.Marshal(doc)
	if err != nil {
		tb.Fatal(err)
	}
	dir := tb.TempDir()
	if err := os.WriteFile(filepath.Join(dir, PredictorFile), b, 0o644); err != nil {
		tb.Fatal(err)
	}
	fl, err := WritePyfunc(dir)
	if err != nil {
		tb.Fatal(err)
	}
	mf := &File{Flavors: map[string]map[string]any{PyfuncFlavorName: fl}}
	if b, err = mf.Marshal(); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, MLmodelFile), b, 0o644); err != nil {
		tb.Fatal(err)
	}
	return dir
}

// TestPyfuncTasks scores multiclass and regression learners that ml/linear
// has, through predictor.json version 2.
func TestPyfuncTasks(t *testing.T) {
	py := pyfuncPython(t)
	train := mustSynthetic(t, syntheticCSV(800, 3))
	score := mustSynthetic(t, syntheticCSV(200, 4)+oddRows)
	fitPre := func(t *testing.T, target string, y []float64) (*transform.Preprocessor, *ml.Matrix, *ml.Matrix) {
		X, err := train.Drop(target, "y")
		if err != nil {
			t.Fatal(err)
		}
		pre := predictor.DefaultPreprocessor(X.Schema())
		m, err := pre.FitTransform(X, y)
		if err != nil {
			t.Fatal(err)
		}
		S, err := pre.Transform(score)
		if err != nil {
			t.Fatal(err)
		}
		return pre, m, S
	}

	// Multiclass tree learners: Python's probabilities equal Go's.
	regions := []string{"east", "north", "south", "west"}
	for _, tt := range []struct {
		name  string
		model func() ml.MulticlassClassifier
	}{
		{"multiclass gbdt", func() ml.MulticlassClassifier {
			g := gbdt.NewMulticlassClassifier(len(regions))
			g.NEstimators, g.MinDataInLeaf, g.NumThreads = 15, 3, 1
			return g
		}},
		{"multiclass forest", func() ml.MulticlassClassifier {
			rf := tree.NewRandomForestClassifier()
			rf.NEstimators, rf.Seed, rf.Workers, rf.NClasses = 12, 3, 1, len(regions)
			return rf
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := train.Column("region")
			y := make([]float64, train.NumRows())
			for i := range y {
				y[i] = float64(slices.Index(regions, c.Text(i)))
			}
			pre, X, S := fitPre(t, "region", y)
			m := tt.model()
			if err := m.Fit(context.Background(), X, y, nil); err != nil {
				t.Fatal(err)
			}
			want, err := m.PredictProbaMulti(S)
			if err != nil {
				t.Fatal(err)
			}
			res := runPyfunc(t, py, mustTaskDir(t, ml.TaskMulticlass, regions, pre, m), score)
			rows := res.Frame.Values["probabilities"]
			if len(rows) == 0 {
				t.Fatal("no rows scored")
			}
			for i, row := range rows {
				ps, _ := row.([]any)
				for k := range regions {
					s, _ := ps[k].(string)
					got, _ := strconv.ParseFloat(s, 64)
					if w := want[i*len(regions)+k]; math.Abs(got-w) > pyfuncTolerance {
						t.Fatalf("row %d class %d: Python gives %v, Go %v", i, k, got, w)
					}
				}
			}
		})
	}

	t.Run("multinomial logistic regression", func(t *testing.T) {
		regions := []string{"east", "north", "south", "west"}
		c, _ := train.Column("region")
		y := make([]float64, train.NumRows())
		for i := range y {
			y[i] = float64(slices.Index(regions, c.Text(i)))
		}
		pre, X, S := fitPre(t, "region", y)
		lr := linear.NewLogisticRegression()
		if err := lr.Fit(context.Background(), X, y, nil); err != nil {
			t.Fatal(err)
		}
		want, err := lr.PredictProbaMulti(S)
		if err != nil {
			t.Fatal(err)
		}
		res := runPyfunc(t, py, mustTaskDir(t, ml.TaskMulticlass, regions, pre, lr), score)
		if !slices.Equal(res.Frame.Columns, []string{"label", "probabilities"}) {
			t.Fatalf("output columns = %q, want label and probabilities", res.Frame.Columns)
		}
		labels := res.Frame.strings("label")
		for i, row := range res.Frame.Values["probabilities"] {
			ps, _ := row.([]any)
			best := 0
			for k := range regions {
				s, _ := ps[k].(string)
				got, _ := strconv.ParseFloat(s, 64)
				if w := want[i*len(regions)+k]; math.Abs(got-w) > pyfuncTolerance {
					t.Fatalf("row %d class %d: Python gives %v, Go %v", i, k, got, w)
				}
				if want[i*len(regions)+k] > want[i*len(regions)+best] {
					best = k
				}
			}
			if labels[i] != regions[best] {
				t.Errorf("row %d: label %q, want %q", i, labels[i], regions[best])
			}
		}
	})

	regressors := []struct {
		name string
		m    interface {
			ml.Regressor
			json.Marshaler
		}
	}{
		{"linear regression", linear.NewLinearRegression()},
		{"ridge", linear.NewRidge()},
	}
	for _, tt := range regressors {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := train.Column("age")
			y := make([]float64, train.NumRows())
			for i := range y {
				y[i] = c.Float(i)
			}
			pre, X, S := fitPre(t, "age", y)
			if err := tt.m.Fit(context.Background(), X, y, nil); err != nil {
				t.Fatal(err)
			}
			want, err := tt.m.Predict(S)
			if err != nil {
				t.Fatal(err)
			}
			dir := mustTaskDir(t, ml.TaskRegression, nil, pre, tt.m)
			res := runPyfunc(t, py, dir, score)
			if !slices.Equal(res.Frame.Columns, []string{"prediction"}) {
				t.Fatalf("output columns = %q, want prediction", res.Frame.Columns)
			}
			for i, got := range res.Frame.floats(t, "prediction") {
				if math.Abs(got-want[i]) > pyfuncTolerance {
					t.Errorf("row %d: Python predicts %v, Go %v", i, got, want[i])
				}
			}
			// A predictor shifted to its value of least expected cost.
			path := filepath.Join(dir, PredictorFile)
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(strings.Replace(string(b), `"format_version":2`, `"format_version":2,"offset":1.25`, 1)), 0o644); err != nil {
				t.Fatal(err)
			}
			res = runPyfunc(t, py, dir, score)
			for i, got := range res.Frame.floats(t, "prediction") {
				if math.Abs(got-(want[i]+1.25)) > pyfuncTolerance {
					t.Errorf("row %d with offset 1.25: Python predicts %v, Go %v", i, got, want[i]+1.25)
				}
			}
		})
	}
}

// loadErrors is run by the venv's Python: it loads each model directory
// with mlflow.pyfunc and prints the error of each, "" when it loaded.
const loadErrors = `
import json, sys
import mlflow.pyfunc
out = []
for d in sys.argv[1:]:
    try:
        mlflow.pyfunc.load_model(d)
        out.append("")
    except Exception as e:
        out.append(str(e))
print(json.dumps(out))
`

// TestPyfuncRefusesUnknownVersions checks that the loader names a
// format_version it does not read rather than guess at its meaning.
func TestPyfuncRefusesUnknownVersions(t *testing.T) {
	py := pyfuncPython(t)
	p := mustPredictor(t, mustSmall(t))
	tests := []struct {
		name, old, new, want string
	}{
		{"predictor", `{"format_version":1,`, `{"format_version":99,`, "predictor.json format_version 99 is not supported"},
		{"preprocessor", `"preprocessor":{"format_version":1,`, `"preprocessor":{"format_version":7,`, "preprocessor format_version 7"},
		{"learner", `"model":{"format_version":1,`, `"model":{"format_version":3,`, "logistic regression format_version 3"},
		{"task", `{"format_version":1,`, `{"format_version":2,"task":"ranking",`, "task 'ranking'"},
		{"unchanged", "", "", ""},
	}
	var dirs []string
	for _, tt := range tests {
		dir := mustPyfuncSaved(t, p, nil)
		file := filepath.Join(dir, PredictorFile)
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if tt.old != "" {
			if !bytes.Contains(b, []byte(tt.old)) {
				t.Fatalf("%s: predictor.json lacks %s", tt.name, tt.old)
			}
			b = bytes.Replace(b, []byte(tt.old), []byte(tt.new), 1)
		}
		if err := os.WriteFile(file, b, 0o644); err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, dir)
	}
	out, err := exec.Command(py, append([]string{"-c", loadErrors}, dirs...)...).Output()
	if err != nil {
		t.Fatalf("running mlflow: %v", err)
	}
	var got []string
	if err := json.Unmarshal(out, &got); err != nil || len(got) != len(tests) {
		t.Fatalf("reading %s: %v", out, err)
	}
	for i, tt := range tests {
		if (tt.want == "") != (got[i] == "") || !strings.Contains(got[i], tt.want) {
			t.Errorf("%s: load_model says %q, want %q", tt.name, got[i], tt.want)
		}
	}
}

// formatNumbers is run by the venv's Python: it writes each number of
// argv[2] (given as Go's text) as the loader names a number category.
const formatNumbers = `
import json, sys
sys.path.insert(0, sys.argv[1])
import weir_pyfunc
xs = json.loads(sys.argv[2])
print(json.dumps([weir_pyfunc.go_format_float(weir_pyfunc.go_parse_float(x)) for x in xs]))
`

// TestPyfuncNamesNumbersAsGo checks the loader's copy of
// strconv.FormatFloat(x, 'g', -1, 64), which names the category of a
// number fed to an encoder, and its copy of strconv.ParseFloat.
func TestPyfuncNamesNumbersAsGo(t *testing.T) {
	py := pyfuncPython(t)
	xs := []float64{0, math.Copysign(0, -1), 1, -1, 31, 0.1, 1.5, 100, 123456, 999999, 1e6, 1234567, 1e21,
		0.0001, 0.00001, 1.25e-5, -2.5e-7, 123456789012, 3.0000000000000004, 5e-324, math.MaxFloat64,
		math.Inf(1), math.Inf(-1), math.NaN(), 2.5e100, 1.0 / 3}
	r := rand.New(rand.NewPCG(5, 5))
	for range 200 {
		xs = append(xs, math.Float64frombits(r.Uint64()), math.Round(r.NormFloat64()*1e4), r.Float64()*math.Pow(10, float64(r.IntN(40)-20)))
	}
	in := make([]string, len(xs))
	want := make([]string, len(xs))
	for i, x := range xs {
		want[i] = frame.FormatFloat(x)
		in[i] = want[i]
	}
	in = append(in, "0x1p-2", "1e3", "+Inf", "-0.5", ".5")
	want = append(want, "0.25", "1000", "+Inf", "-0.5", "0.5")
	arg, _ := json.Marshal(in)
	dir := t.TempDir()
	if _, err := WritePyfunc(dir); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(py, "-c", formatNumbers, filepath.Join(dir, CodeDir), string(arg)).CombinedOutput()
	if err != nil {
		t.Fatalf("running Python: %v\n%s", err, out)
	}
	var got []string
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("reading %s: %v", out, err)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("%s: Python names it %q, Go %q", in[i], got[i], want[i])
		}
	}
}

// bankTrainRows is the number of 2008 rows at the top of the bank data.
const bankTrainRows = 27729

// TestPyfuncBank fits bank-like models on the 2008 rows and checks that
// mlflow.pyfunc scores every 2009–2010 row as Weir does.
func TestPyfuncBank(t *testing.T) {
	if testing.Short() {
		t.Skip("fits models on the bank data")
	}
	py := pyfuncPython(t)
	f := readBank(t, 1)
	train, err := f.Slice(0, bankTrainRows)
	if err != nil {
		t.Fatal(err)
	}
	test, err := f.Slice(bankTrainRows, f.NumRows())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		spec predictor.Spec
	}{
		{"gbdt", predictor.Spec{Preprocessor: bankPreprocessor(), Model: gbdt.NewClassifier()}},
		{"logistic regression", predictor.Spec{Model: linear.NewLogisticRegression()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := predictor.Fit(context.Background(), train, "y", tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			seconds := checkPyfunc(t, py, p, test, 5)
			t.Logf("mlflow.pyfunc scored %d rows in %.3f s (%.3f s per 10,000)", test.NumRows(), seconds,
				seconds*1e4/float64(test.NumRows()))
		})
	}
}

// bankPreprocessor is ml/predictor's bank preprocessor: derivations, median
// imputation, quantile bins, one-hot with infrequent categories and a
// target encoder.
func bankPreprocessor() *transform.Preprocessor {
	return &transform.Preprocessor{
		Derived: []transform.Derivation{
			&transform.Flag{Name: "never_contacted", Column: "pdays", Value: "-1"},
			&transform.ReplaceWithNaN{Column: "pdays", Values: []string{"-1"}},
		},
		Steps: []transform.Step{
			{Name: "numeric", Columns: []string{"age", "balance", "campaign", "pdays", "previous"},
				Transforms: []transform.Transformer{&transform.Imputer{Strategy: transform.Median}}},
			{Name: "flags", Columns: []string{"never_contacted"}},
			{Name: "day", Columns: []string{"day"}, Transforms: []transform.Transformer{&transform.QuantileBins{Bins: 4}}},
			{Name: "categories", Columns: []string{"job", "marital", "education", "default", "housing", "loan", "contact", "poutcome"},
				Transforms: []transform.Transformer{&transform.OneHot{MinFrequency: 200}}},
			{Name: "month", Columns: []string{"month"}, Transforms: []transform.Transformer{&transform.TargetEncoder{Seed: 1}}},
		},
	}
}

// TestPyfuncMixedValues gives the loader values of other types than the
// column's, as a caller that skips mlflow's schema enforcement may, and
// checks them against Predictor.PredictRow, which takes the same: numbers
// and bools for categories, text and bools for numbers, missing values in
// every column.
func TestPyfuncMixedValues(t *testing.T) {
	py := pyfuncPython(t)
	train := mustSynthetic(t, syntheticCSV(1500, 1))
	// Flags on the text of categories, so that the names the loader gives
	// bools and numbers show in the features.
	pre := everyTransform()
	pre.Derived = append(pre.Derived,
		&transform.Flag{Name: "job_true", Column: "job", Value: "true"},
		&transform.Flag{Name: "city_big", Column: "city", Value: "1e+21"},
		&transform.Flag{Name: "city_12", Column: "city", Value: "12"},
		&transform.Flag{Name: "contact_empty", Column: "contact", Value: ""})
	pre.Steps = append(pre.Steps, transform.Step{Name: "text flags",
		Columns:    []string{"job_true", "city_big", "city_12", "contact_empty"},
		Transforms: []transform.Transformer{&transform.Imputer{Strategy: transform.Constant, FillValue: -1}}})
	p, err := predictor.Fit(context.Background(), train, "y", predictor.Spec{Preprocessor: pre,
		Model: linear.NewLogisticRegression()})
	if err != nil {
		t.Fatal(err)
	}
	// Rows by column name; each column's values in row order.
	values := map[string][]any{
		"age":     {30, 40.5, "51", true, nil, ""},
		"balance": {"12.5", "", nil, false, 1e6, -3},
		"score":   {1, "2.5e0", nil, 0.25, "", 3},
		"pdays":   {-1, "-1", 7.0, nil, "0x1p3", 12},
		"day":     {1, 15.0, "31", nil, 2, 3},
		"month":   {1, 12.0, "7", 1e6, nil, 13},
		"member":  {true, false, 1, 0, nil, "1"},
		"job":     {"student", 7, true, 2.5, nil, "unknown"},
		"edu":     {"primary", 1, nil, false, "phd", "tertiary"},
		"city":    {"c01", 1e21, nil, -0.0, "c39", 12},
		"region":  {"north", "south", nil, 3, true, "west"},
		"contact": {"cell", nil, "phone", 1.5, "", "pigeon"},
	}
	var spec pyfuncSpec
	spec.Raw = true
	for _, in := range p.InputSchema().Fields {
		spec.Columns = append(spec.Columns, pyfuncColumn{Name: in.Name, Kind: in.Kind.String(), Values: values[in.Name]})
	}
	n := len(values["age"])
	want, wantLabels, features := make([]float64, n), make([]string, n), make([][]float64, n)
	for i := range want {
		row := make([]any, len(spec.Columns))
		for k, c := range spec.Columns {
			row[k] = c.Values[i]
		}
		if want[i], wantLabels[i], err = p.PredictRow(row); err != nil {
			t.Fatalf("row %d: %v", i, err)
		}
		features[i], err = p.Preprocessor.TransformRow(row, nil)
		if err != nil {
			t.Fatalf("row %d: %v", i, err)
		}
	}
	res := runPyfuncSpec(t, py, mustPyfuncSaved(t, p, nil), spec)
	if len(res.Features) != n {
		t.Fatalf("Python transformed %d rows, want %d", len(res.Features), n)
	}
	for i, row := range res.Features {
		for j, s := range row {
			got, err := strconv.ParseFloat(s, 64)
			if w := features[i][j]; err != nil || (got != w && !(math.IsNaN(got) && math.IsNaN(w))) {
				t.Errorf("row %d feature %s: Python gives %s, Go %v", i, p.FeatureNames()[j], s, w)
			}
		}
	}
	comparePyfunc(t, "mixed values", res.Frame.floats(t, "probability"), res.Frame.strings("label"), want, wantLabels)
}

// TestPyfuncTimeInput scores a model that reads a time column as a number
// (Unix seconds with their fraction), which mlflow hands the loader as
// datetime64 values.
func TestPyfuncTimeInput(t *testing.T) {
	py := pyfuncPython(t)
	var b strings.Builder
	b.WriteString("at,job,y\n")
	r := rand.New(rand.NewPCG(9, 9))
	for i := 0; i < 300; i++ {
		at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(r.Int64N(int64(400 * 24 * time.Hour))))
		y := "no"
		if at.Month() > 6 != (r.Float64() < 0.2) {
			y = "yes"
		}
		fmt.Fprintf(&b, "%s,%s,%s\n", at.Format(time.RFC3339Nano), []string{"a", "b", "c"}[r.IntN(3)], y)
	}
	f, err := frame.ReadCSV(strings.NewReader(b.String()), frame.CSVOptions{Kinds: map[string]frame.Kind{"at": frame.Time}})
	if err != nil {
		t.Fatal(err)
	}
	pre := &transform.Preprocessor{Steps: []transform.Step{
		{Name: "at", Columns: []string{"at"}, Transforms: []transform.Transformer{&transform.StandardScaler{}}},
		{Name: "job", Columns: []string{"job"}, Transforms: []transform.Transformer{&transform.OneHot{}}},
	}}
	for name, m := range map[string]ml.Classifier{
		"logistic regression": linear.NewLogisticRegression(),
		"gbdt":                func() ml.Classifier { g := gbdt.NewClassifier(); g.NEstimators, g.NumThreads = 20, 1; return g }(),
	} {
		t.Run(name, func(t *testing.T) {
			p, err := predictor.Fit(context.Background(), f, "y", predictor.Spec{Preprocessor: pre, Model: m})
			if err != nil {
				t.Fatal(err)
			}
			// No input example: Weir writes its times with a UTC offset,
			// which mlflow's schema enforcement refuses for datetime
			// columns (mlflow wants naive datetimes).
			checkPyfunc(t, py, p, f, 0)
		})
	}
}
