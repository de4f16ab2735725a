//go:build weir_serve

package main

import (
	"context"
	"fmt"
	"os"

	"github.com/weir-ml/weir/objput"
	"github.com/weir-ml/weir/serve"
)

// inferenceLogSegments returns the segment store of an s3:// inference log
// through objput, which signs its own requests so that the serving build
// needs no AWS SDK. It reads the endpoint, addressing, region and keys
// from the environment variables the full build reads, and checks the
// bucket with one request so that a wrong bucket or missing credentials
// stop the server at start. Segments have the full build's names and are
// JSON lines; format parquet is refused, as the Parquet writer would add
// 8 MB (60%) to this build.
func inferenceLogSegments(ctx context.Context, uri, format string) (serve.SegmentStore, error) {
	if format == "parquet" {
		return nil, usagef("--inference-log-format parquet: this serving build writes JSON lines segments only; the full weir binary writes Parquet")
	}
	c, err := objput.FromEnv(os.Getenv)
	if err != nil {
		return nil, usagef("--inference-log %s: %v", uri, err)
	}
	p, err := c.NewPrefix(uri)
	if err != nil {
		return nil, usagef("--inference-log: %v", err)
	}
	if err := p.Check(ctx); err != nil {
		return nil, fmt.Errorf("--inference-log %s: %w", uri, err)
	}
	return p, nil
}
