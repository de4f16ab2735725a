package pyobj

import (
	"fmt"
	"strings"
)

// Allow is the allow-list of the classes and functions a file may name.
// Nothing is ever called, so the list does not guard against code running:
// it says which objects Weir understands, and refuses the rest (os.system,
// builtins.eval, a user's own class, FunctionTransformer's code) with an
// error that names the class, rather than reading a graph the estimators
// could not use.
type Allow struct {
	// Names are allowed "module.Name" strings, matched exactly.
	Names map[string]bool
	// Classes are class names allowed under any module whose path starts
	// with the given prefix, such as "StandardScaler" under "sklearn.":
	// scikit-learn's private module paths move between versions.
	Classes map[string]string
}

// NewAllow returns an empty allow-list.
func NewAllow() Allow {
	return Allow{Names: map[string]bool{}, Classes: map[string]string{}}
}

// Allowed reports whether module.name is on the list.
func (a Allow) Allowed(module, name string) bool {
	if a.Names[module+"."+name] {
		return true
	}
	prefix, ok := a.Classes[name]
	return ok && strings.HasPrefix(module+".", prefix)
}

// With returns a copy of a that also allows the given "module.Name"
// strings.
func (a Allow) With(names ...string) Allow {
	b := NewAllow()
	for k, v := range a.Names {
		b.Names[k] = v
	}
	for k, v := range a.Classes {
		b.Classes[k] = v
	}
	for _, n := range names {
		b.Names[n] = true
	}
	return b
}

// RefusedError is returned when a file names a class or function that is
// not on the allow-list.
type RefusedError struct {
	// Name is the refused "module.Name".
	Name string
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("the model uses %s, which Weir does not read without Python: "+
		"serve this model with Python (weir models serve --env-manager local)", e.Name)
}

func (a Allow) check(module, name string) error {
	if a.Allowed(module, name) {
		return nil
	}
	return &RefusedError{Name: module + "." + name}
}

// DefaultAllow returns the allow-list of the classes that scikit-learn and
// LightGBM models Weir serves natively are made of: Python's containers,
// NumPy's arrays, dtypes, scalars and random states, the estimators
// (pipelines, column transformers, scalers, encoders, the imputer, linear
// models, trees, forests, gradient boosting and histogram gradient boosting
// with their losses, links, predictors and bin mappers) and LightGBM's
// sklearn wrappers. FunctionTransformer is on it but no function to run
// in it is, except scikit-learn's check_array (and a functools.partial of
// it), which HistGradientBoosting's categorical preprocessing holds: a
// FunctionTransformer of any other function is refused, naming it.
func DefaultAllow() Allow {
	a := NewAllow()
	for _, n := range defaultNames {
		a.Names[n] = true
	}
	for _, c := range sklearnClasses {
		a.Classes[c] = "sklearn."
	}
	return a
}

var defaultNames = []string{
	"builtins.dict", "builtins.list", "builtins.tuple", "builtins.set", "builtins.frozenset",
	"builtins.slice", "builtins.object", "builtins.str", "builtins.int", "builtins.float",
	"builtins.bool", "builtins.bytes", "builtins.bytearray", "builtins.complex", "builtins.NoneType",
	"collections.OrderedDict", "collections.defaultdict", "copyreg._reconstructor",
	"functools.partial", "sklearn.utils.validation.check_array",

	"numpy.ndarray", "numpy.dtype", "numpy.float64", "numpy.float32", "numpy.float16",
	"numpy.int64", "numpy.int32", "numpy.int16", "numpy.int8", "numpy.intp",
	"numpy.uint64", "numpy.uint32", "numpy.uint16", "numpy.uint8", "numpy.bool_", "numpy.bool",
	"numpy.str_", "numpy.bytes_", "numpy.object_",
	"numpy.core.multiarray._reconstruct", "numpy._core.multiarray._reconstruct",
	"numpy.core.multiarray.scalar", "numpy._core.multiarray.scalar",
	"numpy.core.numeric._frombuffer", "numpy._core.numeric._frombuffer",
	"numpy.random.RandomState", "numpy.random.mtrand.RandomState",
	"numpy.random.Generator", "numpy.random._generator.Generator",
	"numpy.random._pickle.__randomstate_ctor", "numpy.random._pickle.__generator_ctor",
	"numpy.random._pickle.__bit_generator_ctor",
	"numpy.random._mt19937.MT19937", "numpy.random._pcg64.PCG64", "numpy.random.MT19937",
	"numpy.random.PCG64", "numpy.random.bit_generator.SeedSequence",
	"numpy.random.bit_generator.__pyx_unpickle_SeedSequence",

	"lightgbm.sklearn.LGBMClassifier", "lightgbm.sklearn.LGBMRegressor",
	"lightgbm.sklearn.LGBMModel", "lightgbm.basic.Booster",

	// scikit-learn 1.8's Cython losses name their module "_loss" rather
	// than sklearn._loss._loss in pickles; they hold parameters only.
	"_loss.CyHalfSquaredError", "_loss.CyAbsoluteError", "_loss.CyPinballLoss", "_loss.CyHuberLoss",
	"_loss.CyHalfPoissonLoss", "_loss.CyHalfGammaLoss", "_loss.CyHalfTweedieLoss",
	"_loss.CyHalfTweedieLossIdentity", "_loss.CyHalfBinomialLoss", "_loss.CyExponentialLoss",
	"_loss.CyHalfMultinomialLoss", "_loss.__pyx_unpickle_CyHalfMultinomialLoss",
	"_loss.__pyx_unpickle_CyPinballLoss", "_loss.__pyx_unpickle_CyHuberLoss",
	"_loss.__pyx_unpickle_CyHalfTweedieLoss", "_loss.__pyx_unpickle_CyHalfTweedieLossIdentity",
}

// sklearnClasses are allowed under any sklearn.* module.
var sklearnClasses = []string{
	"Pipeline", "ColumnTransformer", "StandardScaler", "MinMaxScaler", "RobustScaler",
	"MaxAbsScaler", "OneHotEncoder", "OrdinalEncoder", "SimpleImputer", "LabelEncoder",
	"FunctionTransformer",
	"LogisticRegression", "LinearRegression", "Ridge", "Lasso", "ElasticNet",
	"DecisionTreeClassifier", "DecisionTreeRegressor", "ExtraTreeClassifier", "ExtraTreeRegressor",
	"RandomForestClassifier", "RandomForestRegressor", "ExtraTreesClassifier", "ExtraTreesRegressor",
	"GradientBoostingClassifier", "GradientBoostingRegressor", "DummyClassifier", "DummyRegressor",
	"HistGradientBoostingClassifier", "HistGradientBoostingRegressor", "TreePredictor", "_BinMapper",
	"Tree", "Bunch",
	// The losses and links of gradient boosting (sklearn._loss) and their
	// Cython halves, and the older sklearn.ensemble._gb_losses ones.
	"HalfSquaredError", "AbsoluteError", "PinballLoss", "HuberLoss", "HalfPoissonLoss",
	"HalfGammaLoss", "HalfTweedieLoss", "HalfTweedieLossIdentity", "HalfBinomialLoss",
	"ExponentialLoss", "HalfMultinomialLoss",
	"CyHalfSquaredError", "CyAbsoluteError", "CyPinballLoss", "CyHuberLoss", "CyHalfPoissonLoss",
	"CyHalfGammaLoss", "CyHalfTweedieLoss", "CyHalfTweedieLossIdentity", "CyHalfBinomialLoss",
	"CyExponentialLoss", "CyHalfMultinomialLoss",
	"__pyx_unpickle_CyHalfMultinomialLoss", "__pyx_unpickle_CyPinballLoss",
	"__pyx_unpickle_CyHuberLoss", "__pyx_unpickle_CyHalfTweedieLoss",
	"__pyx_unpickle_CyHalfTweedieLossIdentity",
	"IdentityLink", "LogLink", "LogitLink", "HalfLogitLink", "MultinomialLogit", "Interval",
	"LeastSquaresError", "LeastAbsoluteError", "HuberLossFunction", "QuantileLossFunction",
	"BinomialDeviance", "MultinomialDeviance", "ExponentialLoss",
}
