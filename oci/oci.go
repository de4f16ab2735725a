// Package oci builds container images for Weir models without a Docker
// daemon, on github.com/google/go-containerregistry: a static weir binary
// and a model directory on an empty base (or a base image from a
// registry), run as a non-root user, serving the model on port 8080.
//
// Images are reproducible: the same binary, model, labels and creation time
// give the same digest, because every layer is a sorted tar with fixed
// owners, modes and mtimes, compressed with fixed gzip settings. The binary
// and the model are separate layers, so a new model version reuses the
// binary layer already in a registry.
//
// An SPDX 2.3 SBOM of the binary's Go modules goes with every image, as an
// OCI artifact whose subject is the image (found through the referrers API
// or, on registries without it, the referrers tag sha256-<digest>).
package oci

import "time"

// Paths and identity inside the image.
const (
	// BinaryPath is where the weir binary lives in the image.
	BinaryPath = "/weir"
	// ModelPath is the directory holding the model files.
	ModelPath = "/model"
	// UID and GID own every file Weir adds and run the entrypoint; 65532
	// is the "nonroot" user of distroless images, so volumes prepared for
	// those work unchanged.
	UID = 65532
	GID = 65532
	// Port is the port the scoring server listens on in the container.
	Port = 8080
)

// Media types Weir writes besides the standard image ones.
const (
	// SBOMMediaType is the media type of the SPDX document, and the
	// artifactType of the manifest that carries it.
	SBOMMediaType = "application/spdx+json"
	// emptyConfigMediaType is OCI 1.1's empty descriptor for artifacts
	// that have no config of their own.
	emptyConfigMediaType = "application/vnd.oci.empty.v1+json"
)

// Label keys Weir sets on images. The org.opencontainers.image.* keys are
// the OCI image spec's pre-defined annotations; ml.weir.model.* are ours.
const (
	LabelTitle        = "org.opencontainers.image.title"
	LabelDescription  = "org.opencontainers.image.description"
	LabelVersion      = "org.opencontainers.image.version"
	LabelRevision     = "org.opencontainers.image.revision"
	LabelCreated      = "org.opencontainers.image.created"
	LabelModelName    = "ml.weir.model.name"
	LabelModelVersion = "ml.weir.model.version"
	LabelModelRunID   = "ml.weir.model.run_id"
	LabelModelID      = "ml.weir.model.model_id"
	LabelModelURI     = "ml.weir.model.uri"
	// LabelWeirVersion is the module version recorded in the binary
	// (a tag, or a pseudo-version from the VCS); absent for "(devel)".
	LabelWeirVersion = "ml.weir.version"
)

// Entrypoint is the command the image runs: the scoring server on the
// baked-in model, reachable from outside the container.
var Entrypoint = []string{BinaryPath, "models", "serve", "-m", ModelPath, "--host", "0.0.0.0", "--port", "8080"}

// HealthcheckCommand is the image's health check. The image has no shell
// and no curl, so the check is weir itself: `weir models ping` GETs /ping
// on the local server and exits non-zero unless it answers 200.
var HealthcheckCommand = []string{"CMD", BinaryPath, "models", "ping", "--url", "http://127.0.0.1:8080/ping"}

// Health check timing written into the image config.
const (
	HealthInterval    = 10 * time.Second
	HealthTimeout     = 3 * time.Second
	HealthStartPeriod = 5 * time.Second
	HealthRetries     = 3
)
