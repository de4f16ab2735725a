// Package webhook delivers registry events to webhook receivers: it builds
// the JSON envelope MLflow's receivers expect, signs it with HMAC-SHA256
// under the webhook's secret, and posts it with retries and exponential
// backoff, either from a bounded in-memory queue or from an Outbox that
// the store writes in the transaction of each change and that every
// server sharing the database drains (outbox.go). It imports only the
// standard library; secrets never appear in logs or errors.
package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Headers of a delivery, named as MLflow's receivers read them.
const (
	HeaderSignature  = "X-MLflow-Signature"
	HeaderTimestamp  = "X-MLflow-Timestamp"
	HeaderDeliveryID = "X-MLflow-Delivery-Id"
)

// signatureVersion prefixes every signature, so receivers can tell schemes
// apart if the scheme ever changes.
const signatureVersion = "v1"

// Sign returns the X-MLflow-Signature value for a delivery:
// "v1," + base64(HMAC-SHA256(secret, deliveryID + "." + timestamp + "." + payload)).
// Binding the delivery ID and timestamp into the MAC lets receivers reject
// replayed or re-dated deliveries.
func Sign(secret, deliveryID, timestamp string, payload []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(deliveryID))
	mac.Write([]byte{'.'})
	mac.Write([]byte(timestamp))
	mac.Write([]byte{'.'})
	mac.Write(payload)
	return signatureVersion + "," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// Verify reports whether signature is the valid signature of a delivery,
// comparing in constant time. It is what a Go receiver calls.
func Verify(secret, deliveryID, timestamp string, payload []byte, signature string) bool {
	want := Sign(secret, deliveryID, timestamp, payload)
	return hmac.Equal([]byte(want), []byte(signature))
}

// Event is what happened, as the (entity, action) pair of MLflow's wire in
// its enum spelling, e.g. ("MODEL_VERSION", "CREATED").
type Event struct {
	Entity string
	Action string
}

// String returns the event as MLflow names it in payloads and logs:
// "model_version.created".
func (e Event) String() string {
	return strings.ToLower(e.Entity) + "." + strings.ToLower(e.Action)
}

// envelope is the JSON body of every delivery.
type envelope struct {
	Entity    string `json:"entity"`
	Action    string `json:"action"`
	Timestamp string `json:"timestamp"`
	Data      any    `json:"data"`
}

// Payload returns the JSON body of a delivery of data for e at time now:
// {"entity": "model_version", "action": "created", "timestamp": ISO 8601
// in UTC, "data": data}.
func Payload(e Event, data any, now time.Time) ([]byte, error) {
	b, err := json.Marshal(envelope{
		Entity:    strings.ToLower(e.Entity),
		Action:    strings.ToLower(e.Action),
		Timestamp: now.UTC().Format("2006-01-02T15:04:05.000000+00:00"),
		Data:      data,
	})
	if err != nil {
		return nil, fmt.Errorf("webhook: encode %s payload: %w", e, err)
	}
	return b, nil
}

// newDeliveryID returns a random UUID (version 4), unique per delivery
// attempt series, which receivers use to drop duplicates.
func newDeliveryID() string {
	var b [16]byte
	rand.Read(b[:]) // never fails: crypto/rand panics rather than return an error
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// ValidateURL checks that u can receive deliveries: an absolute http or
// https URL with a host. The error message is safe to show to callers.
func ValidateURL(u string) error {
	if strings.TrimSpace(u) == "" {
		return fmt.Errorf("Webhook URL cannot be empty or just whitespace: %q", u)
	}
	p, err := url.Parse(u)
	if err != nil {
		return fmt.Errorf("Invalid webhook URL %q: it does not parse as a URL", u)
	}
	if p.Scheme != "http" && p.Scheme != "https" {
		return fmt.Errorf("Invalid webhook URL scheme: %q. Allowed schemes are: http, https.", p.Scheme)
	}
	if p.Hostname() == "" {
		return fmt.Errorf("Webhook URL must include a hostname: %q", u)
	}
	return nil
}

// redact returns u for logs: without user info and query, which may carry
// credentials.
func redact(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "(unparseable URL)"
	}
	p.User = nil
	if p.RawQuery != "" {
		p.RawQuery = "redacted"
	}
	p.Fragment = ""
	return p.String()
}
