// Package check holds the tests of Weir's Kubernetes manifests
// (deploy/kubernetes): every document decodes strictly into the upstream
// API types or validates against the published schema of its custom
// resource, the references between objects hold, and every flag,
// environment variable, port and path they give the weir binary is one it
// has. It is a module of its own so that Weir's go.mod does not gain the
// Kubernetes modules; run it with `cd deploy/kubernetes/check && go test ./...`.
package check
