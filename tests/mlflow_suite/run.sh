#!/usr/bin/env bash
# Run MLflow's own live-server tests against weir server or mlflow server.
#
#   MLFLOW_TESTS=/path/to/mlflow-tests tests/mlflow_suite/run.sh weir|mlflow [tests/FILE...] [pytest args...]
#
# MLFLOW_TESTS is a checkout (or export) of MLflow's repository holding tests/;
# docs/compatibility.md says how to get one. Nothing of it is copied here.
# The tests import the installed mlflow (3.17.2 from the project's venv), never
# the checkout's sources. Results go to $WEIR_SUITE_OUT/<target>.json and the
# servers' logs to $WEIR_SUITE_OUT/logs-<target>/; update_docs.py turns the
# JSON files into docs/compatibility.md's tables.
#
# Environment:
#   WEIR_SUITE_PYTHON  Python with the pinned packages (default: .venv/bin/python
#                      in the repository, else /work/main/.venv/bin/python)
#   WEIR_SUITE_VENV    venv for the test-only extras, layered on WEIR_SUITE_PYTHON's
#                      packages (default: ~/.cache/weir-mlflow-suite/venv)
#   WEIR_SUITE_OUT     results directory (default: tests/mlflow_suite/out)
#   WEIR_BIN           weir binary to test (default: built from ./cmd/weir)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
target=${1:-}
case "$target" in
weir | mlflow) shift ;;
*)
	echo "usage: MLFLOW_TESTS=DIR $0 weir|mlflow [pytest args...]" >&2
	exit 2
	;;
esac
if [[ -z "${MLFLOW_TESTS:-}" ]]; then
	echo "set MLFLOW_TESTS to an export of MLflow's tests (see docs/compatibility.md)" >&2
	exit 2
fi
if [[ ! -f "$MLFLOW_TESTS/tests/tracking/integration_test_utils.py" ]]; then
	echo "MLFLOW_TESTS=$MLFLOW_TESTS: no tests/tracking/integration_test_utils.py there" >&2
	exit 2
fi
if [[ -d "$MLFLOW_TESTS/mlflow" ]]; then
	# The tests would import the checkout's mlflow instead of the pinned one.
	echo "MLFLOW_TESTS=$MLFLOW_TESTS holds mlflow/ sources: export only tests/ and pyproject.toml (see docs/compatibility.md)" >&2
	exit 2
fi

base=${WEIR_SUITE_PYTHON:-}
if [[ -z "$base" ]]; then
	base=$root/.venv/bin/python
	[[ -x "$base" ]] || base=/work/main/.venv/bin/python
fi
venv=${WEIR_SUITE_VENV:-$HOME/.cache/weir-mlflow-suite/venv}
if [[ ! -x "$venv/bin/python" ]]; then
	# A venv of its own for the extras MLflow's tests import, seeing the base
	# venv's packages through a .pth file so mlflow stays the pinned one.
	real=$("$base" -c 'import sys; print(sys._base_executable)')
	"$real" -m venv "$venv"
	purelib=$("$base" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
	sp=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
	echo "$purelib" >"$sp/weir-base.pth"
	"$venv/bin/python" -m pip install -q -r "$here/requirements.txt"
fi

out=${WEIR_SUITE_OUT:-$here/out}
mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -rf "$out/logs-$target"
mkdir -p "$out/logs-$target"

if [[ "$target" == weir && -z "${WEIR_BIN:-}" ]]; then
	mkdir -p "$out/bin"
	(cd "$root" && go build -o "$out/bin/weir" ./cmd/weir)
	export WEIR_BIN=$out/bin/weir
fi

files=(
	tests/tracking/test_rest_tracking.py
	tests/tracking/test_model_registry.py
	tests/tracking/test_mlflow_artifacts.py
	tests/tracking/test_client_webhooks.py
	tests/webhooks/test_e2e.py
)
# Paths given on the command line (tests/...) replace the default list.
if [[ $# -gt 0 && "$1" == tests/* ]]; then
	files=()
	while [[ $# -gt 0 && "$1" == tests/* ]]; do
		files+=("$1")
		shift
	done
fi

export WEIR_SUITE_TARGET=$target
# The revision of the tests, recorded in the results when known.
if [[ -z "${MLFLOW_TESTS_REV:-}" && -f "$MLFLOW_TESTS/REVISION" ]]; then
	MLFLOW_TESTS_REV=$(cat "$MLFLOW_TESTS/REVISION")
	export MLFLOW_TESTS_REV
fi
export WEIR_SUITE_RESULTS=$out/$target.json
export WEIR_SUITE_LOGS=$out/logs-$target
export PYTHONPATH=$here${PYTHONPATH:+:$PYTHONPATH}
# Fail fast instead of retrying for minutes against a server that answers 5xx.
export MLFLOW_HTTP_REQUEST_MAX_RETRIES=0
export MLFLOW_DISABLE_TELEMETRY=true DO_NOT_TRACK=true

cd "$MLFLOW_TESTS"
start=$(date +%s)
status=0
"$venv/bin/python" -m pytest -p weir_suite -p no:cacheprovider --timeout 600 -q \
	-o addopts="-p no:legacypath --strict-markers --no-header" "${files[@]}" "$@" || status=$?
echo "$target: $(($(date +%s) - start)) s wall time, results in $WEIR_SUITE_RESULTS" >&2
# pytest exits 1 when tests fail, which is the expected state; 2+ is a harness error.
[[ $status -le 1 ]] || exit $status
