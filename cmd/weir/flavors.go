package main

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/ml"
	"github.com/weir-ml/weir/mlmodel"
	"github.com/weir-ml/weir/mlmodel/lightgbm"
	"github.com/weir-ml/weir/mlmodel/sklearn"
	"github.com/weir-ml/weir/mlmodel/sklearn/pyobj"
	"github.com/weir-ml/weir/mlmodel/xgboost"
	"github.com/weir-ml/weir/serve"
)

// flavorOpener opens a model directory saved by another library, through
// the adapter package named for its format.
type flavorOpener struct {
	flavor string
	open   func(dir string, f *mlmodel.File) (mlmodel.Scorer, error)
}

// flavorOpeners are the MLmodel flavors Weir scores natively besides its
// own, most specific first: a model with several is opened by the first.
var flavorOpeners = []flavorOpener{
	{lightgbm.FlavorName, openLightGBM},
	{xgboost.FlavorName, xgboost.Open},
	{sklearn.FlavorName, openSklearn},
}

// readPython reads a skops or pickle file into plain values, building only
// the classes of pyobj's allow-list and executing nothing.
func readPython(path string) (any, error) { return pyobj.ReadFile(path, pyobj.DefaultAllow()) }

// openSklearn opens a scikit-learn model saved as skops or pickle.
func openSklearn(dir string, f *mlmodel.File) (mlmodel.Scorer, error) {
	return sklearn.Open(dir, f, readPython)
}

// openLightGBM opens a LightGBM model: a Booster saved as LightGBM's text
// model, or a scikit-learn-API model (LGBMClassifier, LGBMRegressor) saved
// as skops or pickle, whose fitted Booster keeps the text model in its
// _handle.
func openLightGBM(dir string, f *mlmodel.File) (mlmodel.Scorer, error) {
	fl := f.Flavors[lightgbm.FlavorName]
	class, _ := fl["model_class"].(string)
	if !strings.HasPrefix(class, "lightgbm.sklearn.") {
		return lightgbm.Open(dir, f)
	}
	data, _ := fl["data"].(string)
	if data == "" || !filepath.IsLocal(data) {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "lightgbm flavor names model file %q outside the model directory", data)
	}
	v, err := readPython(filepath.Join(dir, data))
	if err != nil {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "%s: %v", data, err)
	}
	wrapper, ok := v.(*pyobj.Object)
	if !ok {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "%s holds %s, not a LightGBM model", data, pyobj.Describe(v))
	}
	booster, err := wrapper.Object("_Booster")
	if err != nil {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "%s: %v", data, err)
	}
	text, err := booster.String("_handle")
	if err != nil {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "%s: the Booster holds no text model: %v", data, err)
	}
	b, err := lightgbm.Parse(strings.NewReader(text))
	if err != nil {
		return nil, err
	}
	if best, err := wrapper.Int("_best_iteration"); err == nil && best > 0 {
		b = b.Iterations(int(best))
	}
	var inputs []mlmodel.Input
	if f.Signature != nil {
		sig, err := f.ParseSignature()
		if err != nil {
			return nil, err
		}
		for _, c := range sig.Inputs {
			k, err := mlmodel.Kind(c.Type)
			if err != nil {
				return nil, weir.Errorf(weir.ErrInvalidParameterValue, "signature input %q: %v", c.Name, err)
			}
			inputs = append(inputs, mlmodel.Input{Name: c.Name, Kind: k, Required: c.Required})
		}
	}
	out := mlmodel.Output{Task: ml.TaskRegression, Predict: mlmodel.PredictValue}
	if strings.HasSuffix(class, "Classifier") {
		a, err := wrapper.Array("_classes")
		if err != nil {
			if a, err = wrapper.Array("classes_"); err != nil {
				return nil, weir.Errorf(weir.ErrInvalidParameterValue, "%s: the classifier keeps no classes: %v", data, err)
			}
		}
		classes, err := classValues(a)
		if err != nil {
			return nil, weir.Errorf(weir.ErrInvalidParameterValue, "%s: classes: %v", data, err)
		}
		out = mlmodel.Output{Task: ml.TaskBinary, Classes: classes, Predict: mlmodel.PredictLabel}
		if len(classes) > 2 {
			out.Task = ml.TaskMulticlass
		}
	}
	return lightgbm.NewScorer(b, inputs, out)
}

// classValues types a classes array as the model holds its labels.
func classValues(a *pyobj.Array) ([]any, error) {
	switch d := a.Data.(type) {
	case []int64:
		out := make([]any, len(d))
		for i, v := range d {
			out[i] = v
		}
		return out, nil
	case []float64:
		out := make([]any, len(d))
		for i, v := range d {
			out[i] = v
		}
		return out, nil
	case []string:
		out := make([]any, len(d))
		for i, v := range d {
			out[i] = v
		}
		return out, nil
	case []any:
		return d, nil
	}
	return nil, fmt.Errorf("unsupported class array of %s", a.DType)
}

// nativeFlavors names every flavor Weir scores natively, for messages.
func nativeFlavors() string {
	names := []string{mlmodel.FlavorName}
	for _, o := range flavorOpeners {
		names = append(names, o.flavor)
	}
	return strings.Join(names, ", ")
}

// openScorer opens a model directory that has no weir flavor with the
// first adapter that knows one of its flavors.
func openScorer(dir string, f *mlmodel.File) (mlmodel.Scorer, error) {
	for _, o := range flavorOpeners {
		if _, ok := f.Flavors[o.flavor]; ok {
			return o.open(dir, f)
		}
	}
	have := make([]string, 0, len(f.Flavors))
	for name := range f.Flavors {
		have = append(have, name)
	}
	sort.Strings(have)
	list := "no flavors"
	if len(have) > 0 {
		list = "flavors " + strings.Join(have, ", ")
	}
	return nil, weir.Errorf(weir.ErrInvalidParameterValue,
		"model has %s, none of which Weir scores natively (it reads %s)", list, nativeFlavors())
}

// loadedForeign adapts a model saved by another library to what the
// server serves.
func loadedForeign(dir string, f *mlmodel.File, name, version string) (*serve.Loaded, error) {
	sc, err := openScorer(dir, f)
	if err != nil {
		return nil, err
	}
	sm, err := serve.NewScorerModel(sc)
	if err != nil {
		return nil, err
	}
	example, err := mlmodel.ReadInputExample(dir, f, sc.Inputs())
	if err != nil {
		return nil, err
	}
	return &serve.Loaded{Model: sm, Name: name, Version: version, Example: example, Output: sm.Output()}, nil
}
