//go:build !weir_serve

package main

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"

	"github.com/weir-ml/weir/pipeline"
	"github.com/weir-ml/weir/s3"
)

// stateFlags configure a step cache in object storage (--state-dir
// s3://bucket/prefix), which the steps of a workflow share.
type stateFlags struct {
	StateCache    string `name:"state-cache" placeholder:"DIR" help:"With an s3:// --state-dir: the local copy of the step cache, replaced from the bucket before the run (default: a directory under the temporary directory named for the URI; processes sharing the bucket must use the same one)."`
	S3EndpointURL string `name:"s3-endpoint-url" help:"S3-compatible endpoint for an s3:// --state-dir (default: MLFLOW_S3_ENDPOINT_URL or AWS_ENDPOINT_URL, else AWS)." env:"WEIR_S3_ENDPOINT_URL"`
	S3PathStyle   bool   `name:"s3-path-style" help:"Address buckets by path (MinIO, versitygw, Ceph)." env:"WEIR_S3_PATH_STYLE"`
}

// openState returns the mirror of an s3:// --state-dir, pointing p's
// StateDir at its local copy, or nil for a local --state-dir.
func (c *stateFlags) openState(g *globals, p *pipelineFlags) (*pipeline.StateMirror, error) {
	uri := p.StateDir
	switch {
	case strings.HasPrefix(uri, "s3://"):
	case strings.Contains(uri, "://"):
		return nil, usagef("--state-dir %q: a local directory or s3://bucket/prefix", uri)
	default:
		if c.StateCache != "" {
			return nil, usagef("--state-cache goes with an s3:// --state-dir")
		}
		return nil, nil
	}
	st, err := s3.NewStore(g.ctx, uri, s3.Options{Endpoint: c.S3EndpointURL, PathStyle: c.S3PathStyle})
	if err != nil {
		return nil, usagef("--state-dir %q: %v", uri, err)
	}
	dir := c.StateCache
	if dir == "" {
		// Cached records hold local paths, so every pod must put the
		// copy at the same place: a name derived from the URI alone.
		h := sha256.Sum256([]byte(uri))
		dir = filepath.Join(os.TempDir(), "weir-pipeline-"+hex.EncodeToString(h[:8]))
	}
	p.stateURI, p.StateDir = uri, dir
	return &pipeline.StateMirror{Remote: st, Dir: dir}, nil
}
