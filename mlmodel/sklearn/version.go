package sklearn

import (
	"strings"

	"github.com/weir-ml/weir/mlmodel/sklearn/pyobj"
)

// Supported lists the scikit-learn minor versions whose saved estimators
// this build reads: the ones the reference fixtures were produced with.
// Estimator internals change between minors (attribute names, tree value
// normalisation), so a file from any other version is refused rather
// than risk scoring it wrongly.
var Supported = []string{"1.8", "1.9"}

// checkVersion refuses an estimator saved by an untested version.
func checkVersion(o obj) error {
	v, ok := o.get("_sklearn_version")
	if !ok {
		return o.errorf("the estimator records no _sklearn_version, so the scikit-learn version that saved it is unknown")
	}
	s, ok := v.(string)
	if !ok {
		return o.errorf("_sklearn_version is a %s, want a string", pyobj.Describe(v))
	}
	if supported(s) {
		return nil
	}
	return o.errorf("scikit-learn %s is not supported by this build: supported %s", s, strings.Join(Supported, ", "))
}

func supported(version string) bool {
	parts := strings.SplitN(version, ".", 3)
	if len(parts) < 2 {
		return false
	}
	minor := parts[0] + "." + parts[1]
	for _, s := range Supported {
		if s == minor {
			return true
		}
	}
	return false
}
