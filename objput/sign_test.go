package objput

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsv4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// exampleCred and exampleTime are those of AWS's published SigV4 examples
// for S3 ("Signature Calculations for the Authorization Header:
// Transferring Payload in a Single Chunk", S3 API Reference).
var (
	exampleCred = Credentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}
	exampleTime = time.Date(2013, 5, 24, 0, 0, 0, 0, time.UTC)
)

// TestSignAWSExamples signs AWS's example requests and compares with the
// signed headers and signatures the documentation publishes.
func TestSignAWSExamples(t *testing.T) {
	for _, tt := range []struct {
		name, method, url string
		headers           [][2]string
		payloadHash       string
		wantSigned        string
		wantSig           string
	}{
		{
			name: "GET object", method: "GET", url: "https://examplebucket.s3.amazonaws.com/test.txt",
			headers:     [][2]string{{"Range", "bytes=0-9"}},
			payloadHash: EmptyPayloadHash,
			wantSigned:  "host;range;x-amz-content-sha256;x-amz-date",
			wantSig:     "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
		},
		{
			name: "PUT object", method: "PUT", url: "https://examplebucket.s3.amazonaws.com/test$file.text",
			headers:     [][2]string{{"Date", "Fri, 24 May 2013 00:00:00 GMT"}, {"X-Amz-Storage-Class", "REDUCED_REDUNDANCY"}},
			payloadHash: hexSHA256([]byte("Welcome to Amazon S3.")),
			wantSigned:  "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class",
			wantSig:     "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd",
		},
		{
			name: "GET bucket lifecycle", method: "GET", url: "https://examplebucket.s3.amazonaws.com/?lifecycle",
			payloadHash: EmptyPayloadHash,
			wantSigned:  "host;x-amz-content-sha256;x-amz-date",
			wantSig:     "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543",
		},
		{
			name: "list objects", method: "GET", url: "https://examplebucket.s3.amazonaws.com/?max-keys=2&prefix=J",
			payloadHash: EmptyPayloadHash,
			wantSigned:  "host;x-amz-content-sha256;x-amz-date",
			wantSig:     "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7",
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, tt.url, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range tt.headers {
				req.Header.Set(h[0], h[1])
			}
			req.Header.Set("X-Amz-Content-Sha256", tt.payloadHash)
			Sign(req, exampleCred, "us-east-1", "s3", tt.payloadHash, exampleTime)
			got := req.Header.Get("Authorization")
			want := "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=" +
				tt.wantSigned + ", Signature=" + tt.wantSig
			if got != want {
				t.Errorf("Authorization:\ngot  %s\nwant %s", got, want)
			}
		})
	}
}

// TestSignMatchesSDK signs the same requests with Sign and with the AWS
// SDK's signer and compares the Authorization headers.
func TestSignMatchesSDK(t *testing.T) {
	body := []byte(`{"ts": "2026-12-06T20:00:00Z", "inputs": {"age": 47}}` + "\n")
	for _, tt := range []struct {
		name, method, url string
		cred              Credentials
		region            string
		body              []byte
		headers           [][2]string
	}{
		{name: "path-style put", method: "PUT", url: "http://127.0.0.1:7070/weir-test/logs/2026/12/06/0001-host_1_ab-000001.jsonl",
			cred: exampleCred, region: "us-east-1", body: body},
		{name: "virtual-host put with session token", method: "PUT", url: "https://my-bucket.s3.eu-west-3.amazonaws.com/inference/a%20b+c%25/%C3%A9.jsonl",
			cred: Credentials{AccessKeyID: "ASIAEXAMPLE", SecretAccessKey: "secret/with+chars", SessionToken: "FwoGZXIvYXdzEJr//////////token=="}, region: "eu-west-3", body: body},
		{name: "head bucket", method: "HEAD", url: "https://s3.us-west-2.amazonaws.com/weir-logs/",
			cred: exampleCred, region: "us-west-2"},
		{name: "extra headers and query", method: "GET", url: "https://b.example.com:9000/k?prefix=a/b&list-type=2&max-keys=10",
			cred: exampleCred, region: "us-east-1", headers: [][2]string{{"Range", "bytes=0-9"}, {"Content-Type", "text/plain"}, {"X-Amz-Meta-Note", "  two   spaces "}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			mine := mustRequest(t, tt.method, tt.url, tt.body, tt.headers)
			hash := EmptyPayloadHash
			if tt.body != nil {
				hash = hexSHA256(tt.body)
			}
			mine.Header.Set("X-Amz-Content-Sha256", hash)
			when := time.Date(2026, 12, 6, 20, 15, 7, 0, time.UTC)
			Sign(mine, tt.cred, tt.region, "s3", hash, when)

			// The SDK signs the path as sent: give it the one Sign encoded.
			sdk := mustRequest(t, tt.method, tt.url, tt.body, tt.headers)
			sdk.URL.RawPath, sdk.URL.RawQuery = mine.URL.RawPath, mine.URL.RawQuery
			sdk.Header.Set("X-Amz-Content-Sha256", hash)
			signer := awsv4.NewSigner(func(o *awsv4.SignerOptions) { o.DisableURIPathEscaping = true })
			creds := aws.Credentials{AccessKeyID: tt.cred.AccessKeyID, SecretAccessKey: tt.cred.SecretAccessKey, SessionToken: tt.cred.SessionToken}
			if err := signer.SignHTTP(context.Background(), creds, sdk, hash, "s3", tt.region, when); err != nil {
				t.Fatal(err)
			}
			if got, want := mine.Header.Get("Authorization"), sdk.Header.Get("Authorization"); got != want {
				t.Errorf("Authorization:\ngot  %s\nwant %s (the AWS SDK's)", got, want)
			}
			if got, want := mine.Header.Get("X-Amz-Security-Token"), sdk.Header.Get("X-Amz-Security-Token"); got != want {
				t.Errorf("X-Amz-Security-Token: got %q, want %q", got, want)
			}
		})
	}
}

func mustRequest(t *testing.T, method, url string, body []byte, headers [][2]string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Body = http.NoBody
		req.ContentLength = int64(len(body))
	}
	for _, h := range headers {
		req.Header.Set(h[0], h[1])
	}
	return req
}

func TestURIEncode(t *testing.T) {
	for _, tt := range []struct{ in, slash, noSlash string }{
		{"a/b c", "a%2Fb%20c", "a/b%20c"},
		{"test$file.text", "test%24file.text", "test%24file.text"},
		{"é~-_.", "%C3%A9~-_.", "%C3%A9~-_."},
		{"a+b=c&d", "a%2Bb%3Dc%26d", "a%2Bb%3Dc%26d"},
	} {
		if got := uriEncode(tt.in, true); got != tt.slash {
			t.Errorf("uriEncode(%q, true) = %q, want %q", tt.in, got, tt.slash)
		}
		if got := uriEncode(tt.in, false); got != tt.noSlash {
			t.Errorf("uriEncode(%q, false) = %q, want %q", tt.in, got, tt.noSlash)
		}
	}
	if !strings.Contains(canonicalQuery("lifecycle"), "lifecycle=") {
		t.Errorf("canonicalQuery(lifecycle) = %q", canonicalQuery("lifecycle"))
	}
}
