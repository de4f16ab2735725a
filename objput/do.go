package objput

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"time"
)

// do sends one signed request, tried up to c.Attempts times while the
// failure is one a retry may cure (a 5xx, 429, S3's RequestTimeout, a
// timeout or a broken connection), waiting Backoff, then twice as long,
// with jitter, between attempts.
func (c *Client) do(ctx context.Context, method, bucket, key string, body []byte) error {
	attempts, backoff, timeout := c.Attempts, c.Backoff, c.AttemptTimeout
	if attempts <= 0 {
		attempts = DefaultAttempts
	}
	if backoff <= 0 {
		backoff = DefaultBackoff
	}
	if timeout <= 0 {
		timeout = DefaultAttemptTimeout
	}
	hash := EmptyPayloadHash
	if body != nil {
		hash = hexSHA256(body)
	}
	var err error
	for i := range attempts {
		if i > 0 {
			wait := backoff<<(i-1) + rand.N(backoff)
			select {
			case <-ctx.Done():
				return fmt.Errorf("%w (after: %w)", ctx.Err(), err)
			case <-time.After(wait):
			}
		}
		err = c.attempt(ctx, timeout, method, bucket, key, body, hash)
		if err == nil || ctx.Err() != nil || !retryable(err) {
			return err
		}
	}
	return err
}

// attempt sends the request once and turns an error answer into *Error.
func (c *Client) attempt(ctx context.Context, timeout time.Duration, method, bucket, key string, body []byte, hash string) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	u := c.ObjectURL(bucket, key)
	req, err := http.NewRequestWithContext(ctx, method, u.String(), nil)
	if err != nil {
		return fmt.Errorf("objput: %s %s: %w", method, u.Redacted(), err)
	}
	req.URL = u
	if len(body) > 0 {
		// An empty body stays nil: Go sends Content-Length: 0 for it, where
		// a reader of length 0 would go chunked, which S3 refuses.
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.ContentLength = int64(len(body))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}
	req.Header.Set("X-Amz-Content-Sha256", hash)
	Sign(req, c.Credentials, c.Region, "s3", hash, time.Now())
	hc := c.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return &Error{Method: method, URL: u.Redacted(), Err: err}
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 == 2 {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		return nil
	}
	e := &Error{Method: method, URL: u.Redacted(), Status: resp.StatusCode, RequestID: resp.Header.Get("X-Amz-Request-Id")}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	e.parse(b)
	return e
}

// retryable reports whether another attempt may succeed where err failed.
func retryable(err error) bool {
	var e *Error
	if !errors.As(err, &e) {
		return false
	}
	if e.Err != nil {
		return true // no answer: a timeout, a refused or broken connection
	}
	return e.Status >= 500 || e.Status == http.StatusTooManyRequests ||
		e.Code == "RequestTimeout" || e.Code == "SlowDown" || e.Code == "InternalError"
}
