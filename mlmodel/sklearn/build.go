package sklearn

import (
	"fmt"
	"strings"

	"github.com/weir-ml/weir/mlmodel/sklearn/pyobj"
)

// Build rebuilds the estimator that root, a value read by pyobj, holds.
// Only the classes this package knows are built; any other class, an
// estimator saved by a scikit-learn version this build was not tested
// with, or state that does not fit together (an array of the wrong shape,
// a tree child out of range) is an error that names where it is.
func Build(root any) (Estimator, error) {
	o, ok := root.(*pyobj.Object)
	if !ok {
		return nil, fmt.Errorf("sklearn: the file holds a %s, not a scikit-learn estimator", pyobj.Describe(root))
	}
	return build(obj{o: o, path: o.Class})
}

// builders maps each supported class to the function that rebuilds it.
var builders map[string]func(obj) (Estimator, error)

func init() {
	builders = map[string]func(obj) (Estimator, error){
		"Pipeline":                       buildPipeline,
		"ColumnTransformer":              buildColumnTransformer,
		"FunctionTransformer":            buildFunctionTransformer,
		"StandardScaler":                 buildStandardScaler,
		"MinMaxScaler":                   buildMinMaxScaler,
		"RobustScaler":                   buildRobustScaler,
		"SimpleImputer":                  buildSimpleImputer,
		"OneHotEncoder":                  buildOneHotEncoder,
		"OrdinalEncoder":                 buildOrdinalEncoder,
		"LogisticRegression":             buildLogisticRegression,
		"LinearRegression":               buildLinearRegressor,
		"Ridge":                          buildLinearRegressor,
		"Lasso":                          buildLinearRegressor,
		"ElasticNet":                     buildLinearRegressor,
		"DecisionTreeClassifier":         buildTreeClassifier,
		"DecisionTreeRegressor":          buildTreeRegressor,
		"ExtraTreeClassifier":            buildTreeClassifier,
		"ExtraTreeRegressor":             buildTreeRegressor,
		"RandomForestClassifier":         buildForestClassifier,
		"ExtraTreesClassifier":           buildForestClassifier,
		"RandomForestRegressor":          buildForestRegressor,
		"ExtraTreesRegressor":            buildForestRegressor,
		"GradientBoostingClassifier":     buildGBClassifier,
		"GradientBoostingRegressor":      buildGBRegressor,
		"HistGradientBoostingClassifier": buildHGBClassifier,
		"HistGradientBoostingRegressor":  buildHGBRegressor,
	}
}

func build(o obj) (Estimator, error) {
	b, ok := builders[o.o.Class]
	if !ok || !strings.HasPrefix(o.o.Module, "sklearn.") {
		return nil, unsupported(o)
	}
	if err := checkVersion(o); err != nil {
		return nil, err
	}
	return b(o)
}

func unsupported(o obj) error {
	name := o.o.Class
	if o.o.Module != "" {
		name = o.o.Module + "." + o.o.Class
	}
	return fmt.Errorf("sklearn: %s: %s is not supported by the native scikit-learn scorer; "+
		"serve the model with Python (weir models serve --env-manager local)", o.path, name)
}

// child builds the estimator v at path.
func child(v any, path string) (Estimator, error) {
	o, ok := v.(*pyobj.Object)
	if !ok {
		return nil, fmt.Errorf("sklearn: %s is a %s, not an estimator", path, pyobj.Describe(v))
	}
	return build(obj{o: o, path: path})
}

// newBase reads n_features_in_ and, when the estimator was fitted on a
// DataFrame, feature_names_in_.
func newBase(o obj) (base, error) {
	n, err := o.integer("n_features_in_")
	if err != nil {
		return base{}, err
	}
	b := base{class: o.o.Class, nIn: n}
	if v, ok := o.get("feature_names_in_"); ok && v != nil {
		names, ok := stringList(v)
		if !ok {
			return base{}, o.errorf("feature_names_in_ is a %s, want strings", pyobj.Describe(v))
		}
		if len(names) != n {
			return base{}, o.errorf("feature_names_in_ has %d names for %d features", len(names), n)
		}
		b.names = names
	}
	return b, nil
}
