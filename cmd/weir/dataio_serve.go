//go:build weir_serve

package main

import (
	"context"

	"github.com/weir-ml/weir/serve"
)

// inferenceLogSegments refuses s3:// logs: the serving build leaves the S3
// client out to stay small.
func inferenceLogSegments(ctx context.Context, uri, format string) (serve.SegmentStore, error) {
	return nil, usagef("--inference-log %s: this serving build writes inference logs to local directories only; the full weir binary writes them to s3://", uri)
}
