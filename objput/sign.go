package objput

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Credentials are an AWS access key and, for temporary credentials, the
// session token that goes with it.
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
}

// EmptyPayloadHash is the hex SHA-256 of an empty body, the payload hash
// of HEAD and GET requests.
const EmptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

const (
	amzDateFormat = "20060102T150405Z"
	algorithm     = "AWS4-HMAC-SHA256"
)

// unsignedHeaders are left out of the signature, as AWS's SDKs leave them
// out: proxies and the transport may change them on the way.
var unsignedHeaders = map[string]bool{
	"authorization": true, "user-agent": true, "x-amzn-trace-id": true, "expect": true, "transfer-encoding": true,
}

// Sign signs req with AWS Signature Version 4 for region and service at t,
// with payloadHash (the hex SHA-256 of the body, or UNSIGNED-PAYLOAD) in
// the canonical request. It sets X-Amz-Date, X-Amz-Security-Token when
// cred has a session token, and Authorization. Every header already set
// is signed (but those proxies may rewrite), with Content-Length when it
// is positive and the Host. The path and query are rewritten in S3's
// canonical encoding, so that what is sent is what was signed; the path
// is encoded once, as S3 wants, not twice as other services do.
func Sign(req *http.Request, cred Credentials, region, service, payloadHash string, t time.Time) {
	t = t.UTC()
	amzDate := t.Format(amzDateFormat)
	req.Header.Set("X-Amz-Date", amzDate)
	if cred.SessionToken != "" {
		req.Header.Set("X-Amz-Security-Token", cred.SessionToken)
	}
	req.URL.RawPath = uriEncode(req.URL.Path, false)
	req.URL.RawQuery = canonicalQuery(req.URL.RawQuery)

	names, canonHeaders := canonicalHeaders(req)
	canonical := strings.Join([]string{
		req.Method,
		req.URL.EscapedPath(),
		req.URL.RawQuery,
		canonHeaders,
		names,
		payloadHash,
	}, "\n")
	scope := t.Format("20060102") + "/" + region + "/" + service + "/aws4_request"
	toSign := algorithm + "\n" + amzDate + "\n" + scope + "\n" + hexSHA256([]byte(canonical))
	key := signingKey(cred.SecretAccessKey, t.Format("20060102"), region, service)
	sig := hex.EncodeToString(hmacSHA256(key, toSign))
	req.Header.Set("Authorization", algorithm+" Credential="+cred.AccessKeyID+"/"+scope+", SignedHeaders="+names+", Signature="+sig)
}

// signingKey derives the key of one day, region and service from the
// secret, as SigV4 prescribes.
func signingKey(secret, date, region, service string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), date)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, service)
	return hmacSHA256(k, "aws4_request")
}

// canonicalHeaders returns the signed header names joined by ";" and the
// canonical header block, one "name:value\n" per name, sorted.
func canonicalHeaders(req *http.Request) (names, block string) {
	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	vals := map[string][]string{"host": {host}}
	if req.ContentLength > 0 {
		vals["content-length"] = []string{strconv.FormatInt(req.ContentLength, 10)}
	}
	for k, v := range req.Header {
		lk := strings.ToLower(k)
		if unsignedHeaders[lk] || lk == "content-length" || lk == "host" {
			continue
		}
		vals[lk] = append(vals[lk], v...)
	}
	keys := make([]string, 0, len(vals))
	for k := range vals {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k)
		b.WriteByte(':')
		for i, v := range vals[k] {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strings.Join(strings.Fields(v), " "))
		}
		b.WriteByte('\n')
	}
	return strings.Join(keys, ";"), b.String()
}

// canonicalQuery returns the query with every name and value encoded
// strictly, sorted by name then value; "?acl" becomes "acl=".
func canonicalQuery(raw string) string {
	if raw == "" {
		return ""
	}
	q, _ := url.ParseQuery(raw)
	var pairs []string
	for k, vs := range q {
		for _, v := range vs {
			pairs = append(pairs, uriEncode(k, true)+"="+uriEncode(v, true))
		}
	}
	sort.Strings(pairs)
	return strings.Join(pairs, "&")
}

// uriEncode percent-encodes every byte of s but the unreserved characters
// A-Z a-z 0-9 - _ . ~, and '/' unless encodeSlash, in upper-case hex.
func uriEncode(s string, encodeSlash bool) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '_', c == '.', c == '~':
			b.WriteByte(c)
		case c == '/' && !encodeSlash:
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
		}
	}
	return b.String()
}

func hmacSHA256(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}

func hexSHA256(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
