package objput

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestObjectURL(t *testing.T) {
	for _, tt := range []struct {
		endpoint, region string
		pathStyle        bool
		bucket, key      string
		want             string
	}{
		{"", "eu-west-3", false, "logs", "a/b.jsonl", "https://logs.s3.eu-west-3.amazonaws.com/a/b.jsonl"},
		{"", "us-east-1", true, "logs", "a/b.jsonl", "https://s3.us-east-1.amazonaws.com/logs/a/b.jsonl"},
		{"http://127.0.0.1:7070", "us-east-1", true, "weir-test", "x y.jsonl", "http://127.0.0.1:7070/weir-test/x%20y.jsonl"},
		{"http://minio.local:80/", "us-east-1", false, "b-1", "k", "http://b-1.minio.local/k"},
		{"https://s3.example.com:443/base", "us-east-1", true, "b-1", "", "https://s3.example.com/base/b-1/"},
	} {
		c, err := New(tt.endpoint, tt.region, tt.pathStyle, exampleCred)
		if err != nil {
			t.Fatal(err)
		}
		if got := c.ObjectURL(tt.bucket, tt.key).String(); got != tt.want {
			t.Errorf("endpoint %q path-style %v: ObjectURL(%q, %q) = %s, want %s", tt.endpoint, tt.pathStyle, tt.bucket, tt.key, got, tt.want)
		}
	}
}

func TestFromEnv(t *testing.T) {
	env := map[string]string{
		"AWS_ACCESS_KEY_ID": "AK", "AWS_SECRET_ACCESS_KEY": "SK", "AWS_SESSION_TOKEN": "TOK",
		"AWS_DEFAULT_REGION": "eu-north-1", "MLFLOW_S3_ENDPOINT_URL": "http://mlflow:9000", "AWS_ENDPOINT_URL": "http://aws:1",
		"WEIR_S3_PATH_STYLE": "true",
	}
	c, err := FromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if c.Endpoint != "http://mlflow:9000" || c.Region != "eu-north-1" || !c.PathStyle || c.Credentials != (Credentials{"AK", "SK", "TOK"}) {
		t.Errorf("got endpoint %q region %q path-style %v, want http://mlflow:9000 eu-north-1 true and the keys", c.Endpoint, c.Region, c.PathStyle)
	}
	env["WEIR_S3_ENDPOINT_URL"], env["AWS_REGION"] = "http://weir:9000", "ap-south-1"
	if c, _ = FromEnv(func(k string) string { return env[k] }); c.Endpoint != "http://weir:9000" || c.Region != "ap-south-1" {
		t.Errorf("WEIR_S3_ENDPOINT_URL and AWS_REGION: got %q %q", c.Endpoint, c.Region)
	}
	for _, bad := range []struct{ key, value, want string }{
		{"AWS_SECRET_ACCESS_KEY", "", "AWS_SECRET_ACCESS_KEY"},
		{"WEIR_S3_PATH_STYLE", "yes please", "WEIR_S3_PATH_STYLE"},
		{"WEIR_S3_ENDPOINT_URL", "minio:9000", "not an http(s) URL"},
	} {
		old := env[bad.key]
		env[bad.key] = bad.value
		if _, err := FromEnv(func(k string) string { return env[k] }); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%s=%q: got error %v, want one naming %s", bad.key, bad.value, err, bad.want)
		}
		env[bad.key] = old
	}
}

func TestParseURI(t *testing.T) {
	for _, tt := range []struct{ uri, bucket, prefix string }{
		{"s3://weir-logs", "weir-logs", ""},
		{"s3://weir-logs/", "weir-logs", ""},
		{"s3://weir-logs/inference/bank/", "weir-logs", "inference/bank"},
	} {
		b, p, err := ParseURI(tt.uri)
		if err != nil || b != tt.bucket || p != tt.prefix {
			t.Errorf("ParseURI(%q) = %q, %q, %v; want %q, %q", tt.uri, b, p, err, tt.bucket, tt.prefix)
		}
	}
	for _, bad := range []string{"file:///tmp", "s3://", "s3://Bad_Bucket/x", "s3://ab"} {
		if _, _, err := ParseURI(bad); err == nil {
			t.Errorf("ParseURI(%q): no error", bad)
		}
	}
}

// fakeS3 answers with the statuses in answers, one per request, then 200;
// it records the bodies it received.
type fakeS3 struct {
	answers []int
	body    string // the error document of error answers
	calls   atomic.Int32
	got     [][]byte
	headers []http.Header
}

func (f *fakeS3) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := int(f.calls.Add(1)) - 1
	b, _ := io.ReadAll(r.Body)
	f.got = append(f.got, b)
	f.headers = append(f.headers, r.Header.Clone())
	if n < len(f.answers) && f.answers[n] != 200 {
		w.Header().Set("X-Amz-Request-Id", "REQ123")
		w.WriteHeader(f.answers[n])
		io.WriteString(w, f.body)
		return
	}
}

func mustFakeClient(t *testing.T, f *fakeS3) *Client {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	c, err := New(srv.URL, "", true, Credentials{AccessKeyID: "AKID", SecretAccessKey: "very-secret-key", SessionToken: "tok"})
	if err != nil {
		t.Fatal(err)
	}
	c.Backoff = time.Millisecond
	return c
}

func TestPutRetries(t *testing.T) {
	const slowDown = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>`
	for _, tt := range []struct {
		name      string
		answers   []int
		body      string
		wantCalls int
		wantErr   string
	}{
		{"ok", nil, "", 1, ""},
		{"500 then ok", []int{500, 503}, slowDown, 3, ""},
		{"500 every time", []int{500, 500, 500, 500, 500}, `<Error><Code>InternalError</Code><Message>We encountered an internal error.</Message></Error>`, DefaultAttempts,
			"objput: PUT http://HOST/weir-test/logs/seg.jsonl: 500 Internal Server Error: InternalError: We encountered an internal error. [request id REQ123]"},
		{"403 not retried", []int{403}, `<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the signature you provided.</Message><AWSAccessKeyId>AKID</AWSAccessKeyId></Error>`, 1,
			"objput: PUT http://HOST/weir-test/logs/seg.jsonl: 403 Forbidden: SignatureDoesNotMatch: The request signature we calculated does not match the signature you provided. (check AWS_SECRET_ACCESS_KEY, AWS_REGION and the endpoint) [request id REQ123]"},
		{"404 without a document", []int{404}, "", 1, "404 Not Found"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeS3{answers: tt.answers, body: tt.body}
			c := mustFakeClient(t, f)
			p, err := c.NewPrefix("s3://weir-test/logs/")
			if err != nil {
				t.Fatal(err)
			}
			err = p.Put(context.Background(), "seg.jsonl", strings.NewReader("row\n"))
			if got := int(f.calls.Load()); got != tt.wantCalls {
				t.Errorf("got %d requests, want %d", got, tt.wantCalls)
			}
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				for i, b := range f.got {
					if string(b) != "row\n" {
						t.Errorf("request %d: body %q, want %q", i, b, "row\n")
					}
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want %q", tt.wantErr)
			}
			msg := strings.Replace(err.Error(), strings.TrimPrefix(c.Endpoint, "http://"), "HOST", 1)
			if !strings.Contains(msg, tt.wantErr) {
				t.Errorf("error:\ngot  %s\nwant %s", msg, tt.wantErr)
			}
			if strings.Contains(msg, "very-secret-key") || strings.Contains(msg, "Signature=") {
				t.Errorf("error %q shows the secret or the signature", msg)
			}
		})
	}
}

func TestPutSignsBody(t *testing.T) {
	f := &fakeS3{}
	c := mustFakeClient(t, f)
	if err := c.Put(context.Background(), "weir-test", "a/b.jsonl", []byte("hello\n")); err != nil {
		t.Fatal(err)
	}
	h := f.headers[0]
	if got, want := h.Get("X-Amz-Content-Sha256"), hexSHA256([]byte("hello\n")); got != want {
		t.Errorf("x-amz-content-sha256: got %s, want %s", got, want)
	}
	if got := h.Get("X-Amz-Security-Token"); got != "tok" {
		t.Errorf("x-amz-security-token: got %q, want tok", got)
	}
	if got := h.Get("Authorization"); !strings.Contains(got, "SignedHeaders=content-length;host;x-amz-content-sha256;x-amz-date;x-amz-security-token,") {
		t.Errorf("Authorization %q does not sign the length, host, payload hash, date and token", got)
	}
}

func TestPutTimeoutIsRetried(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			time.Sleep(300 * time.Millisecond)
		}
	}))
	defer srv.Close()
	c, err := New(srv.URL, "", true, exampleCred)
	if err != nil {
		t.Fatal(err)
	}
	c.Backoff, c.AttemptTimeout = time.Millisecond, 100*time.Millisecond
	if err := c.Put(context.Background(), "weir-test", "k", []byte("x")); err != nil {
		t.Fatalf("a timed-out attempt then a good one: %v", err)
	}
	if got := calls.Load(); got != 2 {
		t.Errorf("got %d requests, want 2", got)
	}
}

func TestPutUnreachable(t *testing.T) {
	c, err := New("http://127.0.0.1:1", "", true, exampleCred)
	if err != nil {
		t.Fatal(err)
	}
	c.Backoff = time.Millisecond
	err = c.Put(context.Background(), "weir-test", "k", []byte("x"))
	var e *Error
	if !errors.As(err, &e) || e.Err == nil || !strings.Contains(err.Error(), "PUT http://127.0.0.1:1/weir-test/k") {
		t.Errorf("got %v, want an error naming the URL", err)
	}
}

// Integration test against a real S3 server: versitygw in CI.
const (
	envEndpoint = "WEIR_TEST_S3_ENDPOINT"
	envBucket   = "WEIR_TEST_S3_BUCKET"
)

// mustTestClient returns a client of the test S3 server, or skips.
func mustTestClient(tb testing.TB) (*Client, string) {
	tb.Helper()
	endpoint, bucket := os.Getenv(envEndpoint), os.Getenv(envBucket)
	if endpoint == "" || bucket == "" {
		tb.Skipf("%s and %s are not set: no S3 server to test against; "+
			"tests/s3/versitygw.sh start DIR PORT runs one and prints them", envEndpoint, envBucket)
	}
	env := func(k string) string {
		switch k {
		case "WEIR_S3_ENDPOINT_URL":
			return endpoint
		case "WEIR_S3_PATH_STYLE":
			return "true"
		}
		return os.Getenv(k)
	}
	c, err := FromEnv(env)
	if err != nil {
		tb.Fatal(err)
	}
	return c, bucket
}

func TestS3Server(t *testing.T) {
	c, bucket := mustTestClient(t)
	ctx := context.Background()
	if err := c.CheckBucket(ctx, bucket); err != nil {
		t.Fatal(err)
	}
	var tag [4]byte
	rand.Read(tag[:])
	prefix := fmt.Sprintf("objput-test-%x/logs", tag)
	p, err := c.NewPrefix("s3://" + bucket + "/" + prefix)
	if err != nil {
		t.Fatal(err)
	}
	body := bytes.Repeat([]byte(`{"a": 1}`+"\n"), 10000)
	name := "2026/12/06/0000001765051200000000000-host_1_ab-000001 a+b.jsonl"
	if err := p.Put(ctx, name, bytes.NewReader(body)); err != nil {
		t.Fatal(err)
	}
	got := mustGet(t, c, bucket, prefix+"/"+name)
	if !bytes.Equal(got, body) {
		t.Errorf("read back %d bytes, want the %d put", len(got), len(body))
	}

	t.Run("empty object", func(t *testing.T) {
		if err := c.Put(ctx, bucket, prefix+"/empty.jsonl", []byte{}); err != nil {
			t.Fatal(err)
		}
		if got := mustGet(t, c, bucket, prefix+"/empty.jsonl"); len(got) != 0 {
			t.Errorf("read back %d bytes, want 0", len(got))
		}
	})
	t.Run("no such bucket", func(t *testing.T) {
		err := c.CheckBucket(ctx, "weir-no-such-bucket")
		if err == nil || !strings.Contains(err.Error(), "weir-no-such-bucket") || !strings.Contains(err.Error(), "404") {
			t.Errorf("got %v, want a 404 naming the bucket", err)
		}
	})
	t.Run("wrong secret", func(t *testing.T) {
		bad := *c
		bad.Credentials.SecretAccessKey = "wrong-secret-key"
		err := bad.Put(ctx, bucket, prefix+"/x.jsonl", []byte("x"))
		if err == nil || !strings.Contains(err.Error(), "SignatureDoesNotMatch") || strings.Contains(err.Error(), "wrong-secret-key") {
			t.Errorf("got %v, want SignatureDoesNotMatch without the secret", err)
		}
	})
}

// mustGet reads an object back with a request signed by Sign, as a check
// independent of Put's request building.
func mustGet(t *testing.T, c *Client, bucket, key string) []byte {
	t.Helper()
	req, err := http.NewRequest("GET", c.ObjectURL(bucket, key).String(), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.URL = c.ObjectURL(bucket, key)
	req.Header.Set("X-Amz-Content-Sha256", EmptyPayloadHash)
	Sign(req, c.Credentials, c.Region, "s3", EmptyPayloadHash, time.Now())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", key, resp.StatusCode, b)
	}
	return b
}
