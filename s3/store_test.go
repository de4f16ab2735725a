package s3

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/weir-ml/weir"
)

// The tests that talk to S3 need a server; tests/s3/versitygw.sh starts
// one on loopback and prints these variables.
const (
	envEndpoint = "WEIR_TEST_S3_ENDPOINT"
	envBucket   = "WEIR_TEST_S3_BUCKET"
)

// mustTestStore returns a Store on a fresh prefix of the test bucket,
// emptied when the test ends, or skips the test when no S3 server is
// configured.
func mustTestStore(tb testing.TB) *Store {
	tb.Helper()
	endpoint, bucket := os.Getenv(envEndpoint), os.Getenv(envBucket)
	if endpoint == "" || bucket == "" {
		tb.Skipf("no S3 server: set %s and %s (and AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY); "+
			"tests/s3/versitygw.sh start DIR PORT runs one and prints them", envEndpoint, envBucket)
	}
	var id [6]byte
	rand.Read(id[:])
	name := strings.NewReplacer("/", "-", " ", "-").Replace(tb.Name())
	uri := "s3://" + bucket + "/weir-test/" + name + "-" + hex.EncodeToString(id[:])
	s, err := NewStore(context.Background(), uri, Options{Endpoint: endpoint, PathStyle: true, PartSize: MinPartSize})
	if err != nil {
		tb.Fatal(err)
	}
	if err := s.Check(context.Background()); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.deleteAll(context.Background()) })
	return s
}

// deleteAll removes everything under the store's prefix.
func (s *Store) deleteAll(ctx context.Context) error {
	pages := awss3.NewListObjectsV2Paginator(s.client, &awss3.ListObjectsV2Input{Bucket: &s.Bucket, Prefix: aws.String(dirPrefix(s.Prefix))})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return err
		}
		for _, obj := range page.Contents {
			s.client.DeleteObject(ctx, &awss3.DeleteObjectInput{Bucket: &s.Bucket, Key: obj.Key})
		}
	}
	return nil
}

// openUploads counts the multipart uploads left open under the prefix.
func (s *Store) openUploads(tb testing.TB) int {
	tb.Helper()
	out, err := s.client.ListMultipartUploads(context.Background(), &awss3.ListMultipartUploadsInput{
		Bucket: &s.Bucket, Prefix: aws.String(dirPrefix(s.Prefix)),
	})
	if err != nil {
		tb.Fatal(err)
	}
	return len(out.Uploads)
}

func TestParseURI(t *testing.T) {
	tests := []struct {
		uri, bucket, prefix string
		ok                  bool
	}{
		{"s3://b", "b", "", true},
		{"s3://b/", "b", "", true},
		{"s3://b/p/q/", "b", "p/q", true},
		{"s3:///p", "", "", false},
		{"gs://b/p", "", "", false},
		{"s3://b/p/../q", "", "", false},
		{"s3://b/p//q", "", "", false},
		{"s3://user@b/p", "", "", false},
		{"/local/dir", "", "", false},
	}
	for _, tt := range tests {
		bucket, prefix, err := ParseURI(tt.uri)
		if (err == nil) != tt.ok || bucket != tt.bucket || prefix != tt.prefix {
			t.Errorf("ParseURI(%q): got %q, %q, %v; want %q, %q, ok=%v", tt.uri, bucket, prefix, err, tt.bucket, tt.prefix, tt.ok)
		}
	}
}

func TestNewStoreOptions(t *testing.T) {
	ctx := context.Background()
	t.Setenv("MLFLOW_S3_ENDPOINT_URL", "")
	tests := []struct {
		name string
		opts Options
		ok   bool
	}{
		{"defaults", Options{}, true},
		{"endpoint", Options{Endpoint: "http://127.0.0.1:9000", PathStyle: true}, true},
		{"endpoint without scheme", Options{Endpoint: "127.0.0.1:9000"}, false},
		{"small parts", Options{PartSize: 1 << 20}, false},
	}
	for _, tt := range tests {
		s, err := NewStore(ctx, "s3://bucket/pre", tt.opts)
		if (err == nil) != tt.ok {
			t.Errorf("%s: got %v, want ok=%v", tt.name, err, tt.ok)
			continue
		}
		if err == nil && (s.PartSize != DefaultPartSize || s.Concurrency != DefaultConcurrency || s.URI() != "s3://bucket/pre") {
			t.Errorf("%s: got part size %d, concurrency %d, URI %s", tt.name, s.PartSize, s.Concurrency, s.URI())
		}
	}
	t.Setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:2")
	for _, tt := range []struct{ mlflowEnv, opt, want string }{
		{"", "", "http://127.0.0.1:2"},
		{"http://127.0.0.1:1", "", "http://127.0.0.1:1"},
		{"http://127.0.0.1:1", "http://127.0.0.1:3", "http://127.0.0.1:3"},
	} {
		t.Setenv("MLFLOW_S3_ENDPOINT_URL", tt.mlflowEnv)
		s, err := NewStore(ctx, "s3://bucket", Options{Endpoint: tt.opt})
		if err != nil {
			t.Fatal(err)
		}
		if got := aws.ToString(s.client.Options().BaseEndpoint); got != tt.want {
			t.Errorf("MLFLOW_S3_ENDPOINT_URL=%q, Endpoint %q: got endpoint %q, want %q", tt.mlflowEnv, tt.opt, got, tt.want)
		}
	}
}

func TestInterruptedUploadIsAborted(t *testing.T) {
	s := mustTestStore(t)
	r := io.MultiReader(bytes.NewReader(make([]byte, 2*s.PartSize+1)), errReader{})
	if err := s.Put(context.Background(), "x.bin", r); err == nil {
		t.Fatal("Put of a broken body: got nil error")
	}
	if n := s.openUploads(t); n != 0 {
		t.Errorf("open multipart uploads after a failed Put: got %d, want 0", n)
	}
}

func TestPrefixIsolation(t *testing.T) {
	a, b := mustTestStore(t), mustTestStore(t)
	mustPut(t, a, "f.txt", "a")
	if _, err := b.Open(context.Background(), "f.txt"); weir.ErrorCode(err) != weir.ErrResourceDoesNotExist {
		t.Errorf("other prefix: got %v, want RESOURCE_DOES_NOT_EXIST", err)
	}
}

func TestForeignKeysAreSkipped(t *testing.T) {
	s := mustTestStore(t)
	ctx := context.Background()
	for k, body := range map[string]string{"d/ok.txt": "x", "d/a:b": "x", "d/folder/": ""} {
		key := s.Prefix + "/" + k
		if _, err := s.client.PutObject(ctx, &awss3.PutObjectInput{Bucket: &s.Bucket, Key: &key, Body: strings.NewReader(body)}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.List(ctx, "d")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Path != "d/folder" || !got[0].IsDir || got[1].Path != "d/ok.txt" {
		t.Errorf("got %+v, want d/folder (dir) and d/ok.txt", got)
	}
}

func TestPresignedMultipartUpload(t *testing.T) {
	s := mustTestStore(t)
	ctx := context.Background()
	part1 := bytes.Repeat([]byte("a"), MinPartSize)
	part2 := []byte("tail")
	id, urls, err := s.CreateMultipartUpload(ctx, "big/model.bin", 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(urls) != 2 {
		t.Fatalf("got %d part URLs, want 2", len(urls))
	}
	etags := map[int]string{}
	for i, body := range [][]byte{part1, part2} {
		etags[i+1] = mustHTTPPut(t, urls[i], body)
	}
	if err := s.CompleteMultipartUpload(ctx, "big/model.bin", id, etags); err != nil {
		t.Fatal(err)
	}
	if got := mustRead(t, s, "big/model.bin"); got != string(part1)+string(part2) {
		t.Errorf("got %d bytes, want %d", len(got), len(part1)+len(part2))
	}

	id, _, err = s.CreateMultipartUpload(ctx, "big/aborted.bin", 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AbortMultipartUpload(ctx, "big/aborted.bin", id); err != nil {
		t.Fatal(err)
	}
	if n := s.openUploads(t); n != 0 {
		t.Errorf("open uploads after abort: got %d, want 0", n)
	}
	// S3 says NoSuchUpload, some servers InvalidPart: either is the
	// caller's mistake, never an internal error.
	err = s.CompleteMultipartUpload(ctx, "big/aborted.bin", "no-such-upload", map[int]string{1: `"x"`})
	if got := weir.ErrorCode(err); got != weir.ErrResourceDoesNotExist && got != weir.ErrInvalidParameterValue {
		t.Errorf("complete an unknown upload: got %v, want %s or %s", err, weir.ErrResourceDoesNotExist, weir.ErrInvalidParameterValue)
	}
	err = s.AbortMultipartUpload(ctx, "big/aborted.bin", "no-such-upload")
	if got := weir.ErrorCode(err); got != weir.ErrResourceDoesNotExist {
		t.Errorf("abort an unknown upload: got %v, want %s", err, weir.ErrResourceDoesNotExist)
	}
	id, _, err = s.CreateMultipartUpload(ctx, "big/wrong.bin", 1)
	if err != nil {
		t.Fatal(err)
	}
	defer s.AbortMultipartUpload(ctx, "big/wrong.bin", id)
	err = s.CompleteMultipartUpload(ctx, "big/wrong.bin", id, map[int]string{1: `"not-uploaded"`})
	if got := weir.ErrorCode(err); got != weir.ErrInvalidParameterValue {
		t.Errorf("complete with a part never sent: got %v, want %s", err, weir.ErrInvalidParameterValue)
	}
	if _, _, err := s.CreateMultipartUpload(ctx, "x", 0); weir.ErrorCode(err) != weir.ErrInvalidParameterValue {
		t.Errorf("zero parts: got %v, want INVALID_PARAMETER_VALUE", err)
	}
}

func TestPresignGet(t *testing.T) {
	s := mustTestStore(t)
	mustPut(t, s, "m/MLmodel", "flavors: {}\n")
	url, size, err := s.PresignGet(context.Background(), "m/MLmodel")
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || string(body) != "flavors: {}\n" || size != int64(len(body)) {
		t.Errorf("got %d %q size %d, want 200 and the file", resp.StatusCode, body, size)
	}
}

// mustHTTPPut sends body to a presigned URL with no other header, as
// MLflow's client does, and returns the part's ETag.
func mustHTTPPut(tb testing.TB, url string, body []byte) string {
	tb.Helper()
	req, err := http.NewRequest(http.MethodPut, url, bytes.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		tb.Fatalf("presigned PUT: got %d %s", resp.StatusCode, msg)
	}
	return resp.Header.Get("ETag")
}

// TestPutBoundedMemory streams a body four times larger than the part
// buffers Put may hold and checks what it allocated: a few part buffers,
// not the body.
func TestPutBoundedMemory(t *testing.T) {
	s := mustTestStore(t)
	s.Concurrency = 2
	size := int64(12 * MinPartSize)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	if err := s.Put(context.Background(), "big.bin", &patternReader{n: size}); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	alloc := int64(after.TotalAlloc - before.TotalAlloc)
	t.Logf("allocated %d KiB to upload %d MiB in parts of %d MiB", alloc>>10, size>>20, s.PartSize>>20)
	if limit := size / 3; alloc > limit {
		t.Errorf("allocated %d MiB for a %d MiB body, want under %d MiB", alloc>>20, size>>20, limit>>20)
	}
	if n, err := s.Size(context.Background(), "big.bin"); err != nil || n != size {
		t.Errorf("stored size: got %d, %v, want %d", n, err, size)
	}
}

// patternReader yields n bytes of a repeating pattern without holding them.
type patternReader struct{ n, off int64 }

func (p *patternReader) Read(b []byte) (int, error) {
	if p.off >= p.n {
		return 0, io.EOF
	}
	if int64(len(b)) > p.n-p.off {
		b = b[:p.n-p.off]
	}
	for i := range b {
		b[i] = byte((p.off + int64(i)) % 251)
	}
	p.off += int64(len(b))
	return len(b), nil
}
