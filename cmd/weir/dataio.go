//go:build !weir_serve

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/weir-ml/weir/dataio"
	"github.com/weir-ml/weir/ml/frame"
	"github.com/weir-ml/weir/ml/frame/parquet"
	"github.com/weir-ml/weir/monitor"
	"github.com/weir-ml/weir/pipeline"
	"github.com/weir-ml/weir/s3"
	"github.com/weir-ml/weir/serve"
)

// dataStorage opens data locations: local paths, and s3:// URLs through
// the endpoint and addressing weir server's S3 flags read from the
// environment (WEIR_S3_ENDPOINT_URL, else MLFLOW_S3_ENDPOINT_URL or
// AWS_ENDPOINT_URL; WEIR_S3_PATH_STYLE), with the usual AWS credentials.
func dataStorage() *dataio.Storage {
	pathStyle, _ := strconv.ParseBool(os.Getenv("WEIR_S3_PATH_STYLE"))
	return &dataio.Storage{S3: s3.Options{Endpoint: os.Getenv("WEIR_S3_ENDPOINT_URL"), PathStyle: pathStyle}}
}

// dataError returns err as a usage error (exit code 2) when it is the
// caller's mistake, an unknown file format, and unchanged (exit code 1)
// when storage failed: a bucket unreachable, a key missing, no credentials.
func dataError(err error) error {
	var fe *dataio.FormatError
	if errors.As(err, &fe) {
		return usagef("%v", err)
	}
	return err
}

// inferenceLogSegments returns the segment store of an s3:// inference log,
// checked with one request so that a wrong bucket or missing credentials
// stop the server at start; format parquet stores each segment as a
// Parquet file instead of JSON lines.
func inferenceLogSegments(ctx context.Context, uri, format string) (serve.SegmentStore, error) {
	l, err := dataio.Parse(uri)
	if err != nil {
		return nil, usagef("--inference-log: %v", err)
	}
	st := dataStorage()
	if err := st.Check(ctx, l); err != nil {
		return nil, err
	}
	store, err := st.PrefixStore(ctx, l)
	if err != nil || format != "parquet" {
		return store, err
	}
	return &parquetSegments{next: store}, nil
}

// parquetSegments turns each JSON lines segment into a Parquet file of the
// same name but for its extension, typed as monitor.InferenceLogFrame
// types the fields.
type parquetSegments struct {
	next serve.SegmentStore
}

// Put converts the segment and stores it.
func (p *parquetSegments) Put(ctx context.Context, name string, r io.Reader) error {
	f, err := monitor.InferenceLogFrame(r)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := parquet.Write(&b, f); err != nil {
		return err
	}
	return p.next.Put(ctx, strings.TrimSuffix(name, ".jsonl")+".parquet", &b)
}

// fetchPipelineData copies an s3:// data.path into the pipeline's state
// directory (data/s3/BUCKET/KEY) and points the spec at the copy, so that
// the steps read, hash and cache a local file as they do for any path. The
// copy is made again at every run: the object may have changed.
func fetchPipelineData(ctx context.Context, spec *pipeline.Spec, stateDir string) error {
	if !strings.HasPrefix(spec.Data.Path, "s3://") {
		return nil
	}
	l, err := dataio.Parse(spec.Data.Path)
	if err != nil {
		return usagef("data.path: %v", err)
	}
	if _, err := dataio.FormatOf(l.Name()); err != nil || !dataio.HasExt(l.Key) {
		return usagef("data.path %s: want one .csv or .parquet object", l)
	}
	st := dataStorage()
	rc, err := st.Open(ctx, l)
	if err != nil {
		return err
	}
	defer rc.Close()
	dst, err := dataio.Parse(filepath.Join(stateDir, "data", "s3", l.Bucket, filepath.FromSlash(l.Key)))
	if err != nil {
		return err
	}
	if err := st.Put(ctx, dst, rc); err != nil {
		return fmt.Errorf("copying %s: %w", l, err)
	}
	spec.Data.Path = dst.Raw
	return nil
}

// readDataFile reads a pipeline's local data file: Parquet by its
// extension (column types as stored), else CSV (types inferred).
func readDataFile(path string) (*frame.Frame, error) {
	if !strings.HasSuffix(strings.ToLower(path), ".parquet") {
		return frame.ReadCSVFile(path, frame.CSVOptions{})
	}
	l, err := dataio.Parse(path)
	if err != nil {
		return nil, err
	}
	return dataStorage().ReadFrame(context.Background(), l, frame.CSVOptions{})
}
