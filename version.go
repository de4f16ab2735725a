package weir

// Version is Weir's version, reported by `weir --version`, GET /version and
// recorded in lineage. Release builds override it with -ldflags -X.
var Version = "0.1.0-dev"

// MLflowVersion is the MLflow release whose wire protocol Weir speaks; the
// tracking server reports it on GET /version, as mlflow server does.
const MLflowVersion = "3.17.2"
