// Package objput uploads whole objects to S3-compatible storage (AWS S3,
// MinIO, versitygw, ...) with only the standard library: SigV4-signed
// PutObject and HeadBucket requests, retried on server errors. It exists
// for the serving build of weir, which writes inference-log segments to
// s3:// but leaves the AWS SDK out to stay small; the full build uses
// package s3.
package objput

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Defaults of a Client.
const (
	// DefaultRegion is the region signed for when none is configured; S3
	// needs one, and self-hosted servers accept this one.
	DefaultRegion = "us-east-1"
	// DefaultAttempts is how many times a request is tried.
	DefaultAttempts = 4
	// DefaultBackoff is the wait before the first retry; it doubles at
	// each retry.
	DefaultBackoff = 200 * time.Millisecond
	// DefaultAttemptTimeout bounds one attempt, connection to answer.
	DefaultAttemptTimeout = 60 * time.Second
	// MaxObjectBytes is the largest body Put sends: S3's limit on a single
	// PutObject.
	MaxObjectBytes = 5 << 30
)

// Client sends requests to one S3 endpoint with one set of credentials.
// Create it with New or FromEnv; its methods are safe for concurrent use.
type Client struct {
	// Endpoint is the S3 API URL, such as http://127.0.0.1:7070; empty
	// means AWS itself (https://s3.REGION.amazonaws.com).
	Endpoint string
	// Region is the region requests are signed for.
	Region string
	// PathStyle addresses buckets as endpoint/bucket/key instead of
	// bucket.endpoint/key, which most self-hosted servers need.
	PathStyle bool
	// Credentials sign every request.
	Credentials Credentials
	// HTTPClient sends the requests; nil means http.DefaultClient.
	HTTPClient *http.Client
	// Attempts, Backoff and AttemptTimeout bound retries; zero values mean
	// the defaults above.
	Attempts       int
	Backoff        time.Duration
	AttemptTimeout time.Duration
}

// New returns a client of endpoint ("" for AWS) signing for region (""
// for DefaultRegion) with cred. It checks the endpoint and makes no
// request.
func New(endpoint, region string, pathStyle bool, cred Credentials) (*Client, error) {
	if cred.AccessKeyID == "" || cred.SecretAccessKey == "" {
		return nil, errors.New("objput: no S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
	}
	if endpoint != "" {
		u, err := url.Parse(endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
			return nil, fmt.Errorf("objput: endpoint %q is not an http(s) URL", endpoint)
		}
	}
	if region == "" {
		region = DefaultRegion
	}
	return &Client{Endpoint: strings.TrimSuffix(endpoint, "/"), Region: region, PathStyle: pathStyle, Credentials: cred}, nil
}

// FromEnv returns a client configured as weir's full build configures its
// S3 client, from getenv (os.Getenv): the endpoint from
// WEIR_S3_ENDPOINT_URL, else MLFLOW_S3_ENDPOINT_URL, AWS_ENDPOINT_URL_S3
// or AWS_ENDPOINT_URL; path-style addressing from WEIR_S3_PATH_STYLE; the
// region from AWS_REGION or AWS_DEFAULT_REGION; the credentials from
// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN. Shared
// config files and instance roles are not read.
func FromEnv(getenv func(string) string) (*Client, error) {
	first := func(names ...string) string {
		for _, n := range names {
			if v := getenv(n); v != "" {
				return v
			}
		}
		return ""
	}
	pathStyle := false
	if v := getenv("WEIR_S3_PATH_STYLE"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return nil, fmt.Errorf("objput: WEIR_S3_PATH_STYLE=%q is not true or false", v)
		}
		pathStyle = b
	}
	return New(
		first("WEIR_S3_ENDPOINT_URL", "MLFLOW_S3_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"),
		first("AWS_REGION", "AWS_DEFAULT_REGION"),
		pathStyle,
		Credentials{AccessKeyID: getenv("AWS_ACCESS_KEY_ID"), SecretAccessKey: getenv("AWS_SECRET_ACCESS_KEY"), SessionToken: getenv("AWS_SESSION_TOKEN")},
	)
}

// ObjectURL returns the URL of key in bucket ("" key for the bucket
// itself), path-style or virtual-hosted as the client is configured. A
// default port (:80 for http, :443 for https) is dropped, as clients drop
// it from the Host header that is signed.
func (c *Client) ObjectURL(bucket, key string) *url.URL {
	base := c.Endpoint
	if base == "" {
		base = "https://s3." + c.Region + ".amazonaws.com"
	}
	u, _ := url.Parse(base) // checked by New
	if (u.Scheme == "http" && u.Port() == "80") || (u.Scheme == "https" && u.Port() == "443") {
		u.Host = u.Hostname()
	}
	p := strings.TrimSuffix(u.Path, "/")
	if c.PathStyle {
		p += "/" + bucket
	} else {
		u.Host = bucket + "." + u.Host
	}
	u.Path = p + "/" + key
	u.RawPath = ""
	return u
}

// Put stores body at key in bucket with one PutObject, its SHA-256 signed
// so that S3 refuses a body changed on the way; S3 makes the object
// visible whole or not at all.
func (c *Client) Put(ctx context.Context, bucket, key string, body []byte) error {
	if key == "" || strings.HasSuffix(key, "/") {
		return fmt.Errorf("objput: object key %q is empty or ends with /", key)
	}
	if len(body) > MaxObjectBytes {
		return fmt.Errorf("objput: s3://%s/%s: %d bytes is over S3's single-upload limit of %d", bucket, key, len(body), MaxObjectBytes)
	}
	return c.do(ctx, http.MethodPut, bucket, key, body)
}

// CheckBucket makes one HeadBucket request to see that bucket exists and
// the credentials may use it, so that a server fails at start rather than
// at its first upload.
func (c *Client) CheckBucket(ctx context.Context, bucket string) error {
	return c.do(ctx, http.MethodHead, bucket, "", nil)
}

// Prefix is a bucket and key prefix of a Client; its Put stores relative
// paths under the prefix, as serve.SegmentStore wants.
type Prefix struct {
	Client *Client
	Bucket string
	// Prefix is the key prefix without leading or trailing slashes; ""
	// is the bucket root.
	Prefix string
}

// NewPrefix returns the Prefix of uri, of the form s3://bucket/prefix.
func (c *Client) NewPrefix(uri string) (*Prefix, error) {
	bucket, prefix, err := ParseURI(uri)
	if err != nil {
		return nil, err
	}
	return &Prefix{Client: c, Bucket: bucket, Prefix: prefix}, nil
}

// Put reads r whole and stores it at the key Prefix/path.
func (p *Prefix) Put(ctx context.Context, path string, r io.Reader) error {
	body, err := io.ReadAll(io.LimitReader(r, MaxObjectBytes+1))
	if err != nil {
		return fmt.Errorf("objput: reading %s: %w", path, err)
	}
	key := strings.TrimPrefix(path, "/")
	if p.Prefix != "" {
		key = p.Prefix + "/" + key
	}
	return p.Client.Put(ctx, p.Bucket, key, body)
}

// Check checks the prefix's bucket as Client.CheckBucket does.
func (p *Prefix) Check(ctx context.Context) error {
	return p.Client.CheckBucket(ctx, p.Bucket)
}

// String returns s3://bucket/prefix.
func (p *Prefix) String() string {
	if p.Prefix == "" {
		return "s3://" + p.Bucket
	}
	return "s3://" + p.Bucket + "/" + p.Prefix
}

// ParseURI splits s3://bucket/prefix into the bucket and the prefix without
// surrounding slashes.
func ParseURI(uri string) (bucket, prefix string, err error) {
	rest, ok := strings.CutPrefix(uri, "s3://")
	if !ok {
		return "", "", fmt.Errorf("objput: %q is not an s3:// URI", uri)
	}
	bucket, prefix, _ = strings.Cut(rest, "/")
	if !validBucket(bucket) {
		return "", "", fmt.Errorf("objput: %q: bucket name %q is not valid (3 to 63 lower-case letters, digits, dots and hyphens)", uri, bucket)
	}
	return bucket, strings.Trim(prefix, "/"), nil
}

// validBucket reports whether b follows S3's bucket naming rules closely
// enough to be put in a host name or a path.
func validBucket(b string) bool {
	if len(b) < 3 || len(b) > 63 {
		return false
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
			return false
		}
	}
	return b[0] != '.' && b[0] != '-' && b[len(b)-1] != '.' && b[len(b)-1] != '-'
}
