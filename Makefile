# The one test command (see README): unit and integration tests, reference
# fixtures regenerated and compared, and the MLflow-client conformance suite
# against weir and, as the reference, against a real mlflow server.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
EVENV ?= .venv-evidently
GO ?= go

.PHONY: test go-test reference conformance conformance-weir conformance-s3 conformance-mlflow e2e browser vet build

test: vet go-test reference conformance e2e browser

build:
	$(GO) build -o weir ./cmd/weir

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...
	$(GO) vet -tags weir_serve ./cmd/weir
	cd deploy/kubernetes/check && $(GO) vet ./...

# The Go tests that drive MLflow's own Python client, or cross-check against
# MLflow's parser, find the pinned interpreter here. The Kubernetes
# manifests' check is a module of its own, so that weir's go.mod does not
# gain the Kubernetes modules.
go-test: $(VENV)/.installed
	WEIR_PYTHON=$(abspath $(PY)) WEIR_MLFLOW_PYTHON=$(abspath $(PY)) $(GO) test -count=1 -timeout 30m ./...
	cd deploy/kubernetes/check && $(GO) test -count=1 -timeout 10m ./...

$(VENV)/.installed: tests/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check -r tests/requirements.txt
	touch $@

$(EVENV)/.installed: tests/requirements-evidently.txt
	$(PYTHON) -m venv $(EVENV)
	$(EVENV)/bin/pip install -q --disable-pip-version-check -r tests/requirements-evidently.txt
	touch $@

# Regenerate every reference fixture with the pinned Python packages and fail
# when any changed: the Go tests compare against exactly these numbers.
reference: $(VENV)/.installed $(EVENV)/.installed
	@set -e; for f in tests/reference/gen_*.py; do [ -e "$$f" ] || continue; echo "regenerating $$f"; \
		WEIR_EVIDENTLY_PYTHON=$(abspath $(EVENV))/bin/python $(PY) $$f; done
	@changed=$$(git status --porcelain -- tests/reference/fixtures); \
	if [ -n "$$changed" ]; then echo "reference fixtures changed when regenerated:"; echo "$$changed"; git diff --stat -- tests/reference/fixtures; exit 1; fi

conformance: conformance-weir conformance-s3 conformance-mlflow

conformance-weir: $(VENV)/.installed
	WEIR_CONFORMANCE_TARGET=weir $(PY) -m pytest tests/conformance -q -p no:cacheprovider

# Weir on S3 (versitygw): .ci/run exports WEIR_TEST_S3_ENDPOINT, WEIR_TEST_S3_BUCKET
# and the AWS credentials after starting it with tests/s3/versitygw.sh.
conformance-s3: $(VENV)/.installed
	WEIR_CONFORMANCE_TARGET=weir WEIR_CONFORMANCE_ARTIFACTS=s3 $(PY) -m pytest tests/conformance -q -p no:cacheprovider -m "artifacts or models or registry"

conformance-mlflow: $(VENV)/.installed
	WEIR_CONFORMANCE_TARGET=mlflow $(PY) -m pytest tests/conformance -q -p no:cacheprovider

# The main job end to end: weir demo on the bank data against the local store,
# a weir server and a real mlflow server, checked with MLflow's client. The
# image step needs a static binary.
e2e: $(VENV)/.installed
	CGO_ENABLED=0 $(GO) build -trimpath -o $(abspath .e2e-weir) ./cmd/weir
	cd tests/e2e && WEIR_BIN=$(abspath .e2e-weir) $(abspath $(PY)) -m pytest -q -p no:cacheprovider

# The web UI in Debian's headless Chromium, driven by playwright-core, against a
# seeded weir server (tests/browser/run.sh installs chromium when root).
browser: $(VENV)/.installed
	WEIR_PYTHON=$(abspath $(PY)) bash tests/browser/run.sh
