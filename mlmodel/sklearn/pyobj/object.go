// Package pyobj reads the Python object graphs that scikit-learn models are
// saved as, the skops format (a zip of schema.json and NumPy .npy files)
// and pickle, into plain Go values, without executing anything: only an
// allow-list of classes is built, and everything else is refused with an
// error that names the class.
//
// A value read from a file is one of: nil (None), bool, int64, float64,
// string, []any (list or tuple), map[string]any (a dict with string keys),
// *Object (an instance of an allowed class, with its state), *Array (a NumPy
// array) or *Type (a reference to an allowed class or function, such as a
// dtype or numpy.float64).
package pyobj

// Object is an instance of an allowed Python class, with its state: the
// __dict__ that scikit-learn estimators keep their fitted attributes in
// (coef_, classes_, n_features_in_, steps, transformers_, ...).
type Object struct {
	// Module and Class name the class, as in "sklearn.linear_model._logistic"
	// and "LogisticRegression".
	Module, Class string
	// State is the object's __dict__ (or its __setstate__ argument when that
	// is a dict).
	State map[string]any
	// Args holds the positional arguments the object was reconstructed
	// from, when its class is rebuilt that way and has no dict state
	// (slices, dtypes, scikit-learn's Tree before its state is set).
	Args []any
}

// Array is a NumPy array. Data holds the elements in C (row-major) order as
// one of []float64 (float16/32/64, widened), []int64 (signed and unsigned
// integers up to 63 bits, and bools as 0/1), []string (unicode and bytes
// arrays) or []any (object arrays: each element a value as above). Records
// (structured dtypes, such as scikit-learn's tree node arrays) are held as
// Fields: one Array per field, each of Shape.
type Array struct {
	// DType is NumPy's dtype string, such as "<f8", "<i8", "|b1", "<U5",
	// "object", or "record" for a structured array.
	DType string
	Shape []int
	Data  any
	// Fields are a structured array's fields by name, in declaration order
	// in FieldNames.
	Fields     map[string]*Array
	FieldNames []string
}

// Type is a reference to an allowed class or function (a dtype class, a
// scikit-learn estimator class, numpy.float64, ...), not an instance.
type Type struct {
	Module, Name string
}

// Len returns the number of elements of a.
func (a *Array) Len() int {
	n := 1
	for _, d := range a.Shape {
		n *= d
	}
	return n
}
