package main

import (
	"sort"
	"strings"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/mlmodel"
	"github.com/weir-ml/weir/mlmodel/lightgbm"
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
	{lightgbm.FlavorName, lightgbm.Open},
	{xgboost.FlavorName, xgboost.Open},
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
