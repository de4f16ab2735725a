// Package s3 keeps artifacts in S3-compatible object storage (AWS S3, MinIO,
// versitygw, ...). Store implements artifact.Store on one bucket and key
// prefix, and also hands out presigned URLs so that MLflow clients can send
// large files in parts straight to the storage.
package s3

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/weir-ml/weir/artifact"
)

// Default sizes for streamed uploads.
const (
	// DefaultPartSize is the size of one multipart part, and the largest
	// body that Put sends in a single request.
	DefaultPartSize = 8 << 20
	// MinPartSize is S3's smallest allowed part (all parts but the last).
	MinPartSize = 5 << 20
	// DefaultConcurrency is how many parts of one Put are in flight.
	DefaultConcurrency = 4
)

// Options configure NewStore. The zero value uses the AWS configuration
// of the environment.
type Options struct {
	// Endpoint is the S3 API URL, such as http://127.0.0.1:7070. Empty
	// means MLFLOW_S3_ENDPOINT_URL, then the SDK's own AWS_ENDPOINT_URL_S3
	// and AWS_ENDPOINT_URL, then AWS itself.
	Endpoint string
	// Region is the bucket's region. Empty means the AWS configuration
	// (AWS_REGION, ~/.aws/config), else us-east-1.
	Region string
	// PathStyle addresses buckets as endpoint/bucket/key instead of
	// bucket.endpoint/key, which most self-hosted servers need.
	PathStyle bool
	// PartSize is the multipart part size; 0 means DefaultPartSize. It
	// must be at least MinPartSize.
	PartSize int64
	// Concurrency is how many parts of one upload are sent at once; 0
	// means DefaultConcurrency. Put holds at most Concurrency+1 part
	// buffers, whatever the size of the body.
	Concurrency int
}

// Store is an artifact.Store on an S3 bucket: the artifact path p lives at
// the key Prefix + "/" + p. Create it with NewStore.
type Store struct {
	// Bucket is the bucket name.
	Bucket string
	// Prefix is the key prefix without leading or trailing slashes; "" is
	// the bucket root.
	Prefix string
	// PartSize and Concurrency bound uploads as described in Options.
	PartSize    int64
	Concurrency int

	client  *awss3.Client
	presign *awss3.PresignClient
	buffers sync.Pool // *[]byte of PartSize, shared by concurrent Puts
}

var _ artifact.Store = (*Store)(nil)

// NewStore returns a Store for uri, of the form s3://bucket/optional/prefix.
// Credentials come from the usual AWS sources (environment, shared config
// and credentials files, instance roles). It makes no request: an
// unreachable endpoint or a missing bucket shows at the first call, or at
// Check.
func NewStore(ctx context.Context, uri string, opts Options) (*Store, error) {
	bucket, prefix, err := ParseURI(uri)
	if err != nil {
		return nil, err
	}
	if opts.PartSize == 0 {
		opts.PartSize = DefaultPartSize
	}
	if opts.PartSize < MinPartSize {
		return nil, fmt.Errorf("s3: part size %d is below S3's minimum of %d bytes", opts.PartSize, MinPartSize)
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = DefaultConcurrency
	}
	var loadOpts []func(*config.LoadOptions) error
	if opts.Region != "" {
		loadOpts = append(loadOpts, config.WithRegion(opts.Region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, loadOpts...)
	if err != nil {
		return nil, fmt.Errorf("s3: load AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		// S3 needs a region to sign requests; self-hosted servers accept
		// the historical default.
		cfg.Region = "us-east-1"
	}
	endpoint := opts.Endpoint
	if endpoint == "" {
		endpoint = os.Getenv("MLFLOW_S3_ENDPOINT_URL")
	}
	if endpoint != "" {
		if u, err := url.Parse(endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("s3: endpoint %q is not an http(s) URL", endpoint)
		}
	}
	configure := func(o *awss3.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
		o.UsePathStyle = opts.PathStyle
		// Multipart objects carry composite checksums, which the SDK
		// cannot check on download; it says so at every read otherwise.
		o.DisableLogOutputChecksumValidationSkipped = true
	}
	s := &Store{
		Bucket:      bucket,
		Prefix:      prefix,
		PartSize:    opts.PartSize,
		Concurrency: opts.Concurrency,
		client:      awss3.NewFromConfig(cfg, configure),
	}
	// Presigned URLs are used by other HTTP clients (MLflow's), which send
	// only the body: no checksum header may be part of the signature.
	s.presign = awss3.NewPresignClient(awss3.NewFromConfig(cfg, configure, func(o *awss3.Options) {
		o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
	}))
	return s, nil
}

// ParseURI splits s3://bucket/prefix into the bucket and the prefix without
// surrounding slashes.
func ParseURI(uri string) (bucket, prefix string, err error) {
	rest, ok := strings.CutPrefix(uri, "s3://")
	if !ok {
		return "", "", fmt.Errorf("s3: %q is not an s3:// URI", uri)
	}
	bucket, prefix, _ = strings.Cut(rest, "/")
	if bucket == "" {
		return "", "", fmt.Errorf("s3: %q names no bucket", uri)
	}
	if strings.ContainsAny(bucket, "?#:@\\ ") {
		return "", "", fmt.Errorf("s3: %q: invalid bucket name %q", uri, bucket)
	}
	prefix = strings.Trim(prefix, "/")
	if prefix != "" {
		clean, err := artifact.CleanPath(prefix)
		if err != nil || clean != prefix {
			return "", "", fmt.Errorf("s3: %q: the key prefix must be a plain relative path", uri)
		}
	}
	return bucket, prefix, nil
}

// Check makes one request to see that the bucket exists and the
// credentials may use it, so that a server fails at start and not at its
// first upload.
func (s *Store) Check(ctx context.Context) error {
	_, err := s.client.HeadBucket(ctx, &awss3.HeadBucketInput{Bucket: &s.Bucket})
	if err != nil {
		return fmt.Errorf("s3: bucket %q: %w", s.Bucket, err)
	}
	return nil
}

// URI returns the store's location as s3://bucket/prefix.
func (s *Store) URI() string {
	if s.Prefix == "" {
		return "s3://" + s.Bucket
	}
	return "s3://" + s.Bucket + "/" + s.Prefix
}

// key checks the artifact path p and returns its object key; "" (the root)
// gives the prefix itself.
func (s *Store) key(p string) (clean, key string, err error) {
	clean, err = artifact.CleanPath(p)
	if err != nil {
		return "", "", err
	}
	switch {
	case clean == "":
		return "", s.Prefix, nil
	case s.Prefix == "":
		return clean, clean, nil
	}
	return clean, s.Prefix + "/" + clean, nil
}

// dirPrefix is the listing prefix of the directory whose key is k.
func dirPrefix(k string) string {
	if k == "" {
		return ""
	}
	return k + "/"
}
