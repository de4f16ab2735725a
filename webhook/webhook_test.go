package webhook

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestSign checks signatures against vectors computed with Python's hmac
// and base64 modules, the way MLflow's own receivers verify them.
func TestSign(t *testing.T) {
	cases := []struct {
		secret, id, ts, payload, want string
	}{
		{"s3cr3t", "0f8fad5b-d9cb-469f-a165-70867728950e", "1700000000",
			`{"entity": "model_version", "action": "created"}`,
			"v1,tTcIkRUQCaMXmqJjbpBFwTjekQI1+J8RlmCw7tf7s+Q="},
		{"", "id", "0", "", "v1,gz1sM8aA5qHXvLH+5eY0EQphy1f4G6DwEWnQt3iAVLw="},
		{"k\u00e9y", "d", "1", "\u00e9\n", "v1,aZ7DrlXyaNkh/OzeCP5H1pzfvtuzzmn9aL0bW2OSfkc="},
	}
	for _, tc := range cases {
		got := Sign(tc.secret, tc.id, tc.ts, []byte(tc.payload))
		if got != tc.want {
			t.Errorf("Sign(%q, %q, %q, %q): got %s, want %s", tc.secret, tc.id, tc.ts, tc.payload, got, tc.want)
		}
		if !Verify(tc.secret, tc.id, tc.ts, []byte(tc.payload), tc.want) {
			t.Errorf("Verify rejects its own vector %s", tc.want)
		}
	}
	// Every signed part matters.
	base := cases[0]
	for name, sig := range map[string]string{
		"other secret":    Sign("other", base.id, base.ts, []byte(base.payload)),
		"other id":        Sign(base.secret, "x", base.ts, []byte(base.payload)),
		"other timestamp": Sign(base.secret, base.id, "1700000001", []byte(base.payload)),
		"other payload":   Sign(base.secret, base.id, base.ts, []byte(base.payload+" ")),
	} {
		if Verify(base.secret, base.id, base.ts, []byte(base.payload), sig) {
			t.Errorf("%s: Verify accepted a signature of something else", name)
		}
	}
}

func TestPayload(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 678000000, time.FixedZone("CET", 3600))
	b, err := Payload(Event{"MODEL_VERSION_TAG", "SET"}, map[string]string{"name": "m", "key": "k"}, at)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"entity":"model_version_tag","action":"set","timestamp":"2026-01-02T02:04:05.678000+00:00","data":{"key":"k","name":"m"}}`
	if string(b) != want {
		t.Errorf("got %s\nwant %s", b, want)
	}
	if _, err := Payload(Event{"X", "Y"}, func() {}, at); err == nil {
		t.Error("a payload that cannot be encoded gave no error")
	}
}

func TestEventString(t *testing.T) {
	if got, want := (Event{"REGISTERED_MODEL", "CREATED"}).String(), "registered_model.created"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestValidateURL(t *testing.T) {
	cases := []struct {
		url     string
		wantErr string
	}{
		{"https://hooks.example.com/x?token=1", ""},
		{"http://127.0.0.1:8080/hook", ""},
		{"", "Webhook URL cannot be empty or just whitespace: \"\""},
		{"  ", "Webhook URL cannot be empty"},
		{"ftp://example.com/x", "Invalid webhook URL scheme: \"ftp\". Allowed schemes are: http, https."},
		{"file:///etc/passwd", "Invalid webhook URL scheme: \"file\""},
		{"example.com/x", "Invalid webhook URL scheme: \"\""},
		{"http:///x", "Webhook URL must include a hostname"},
		{"http://a b/", "does not parse"},
	}
	for _, tc := range cases {
		err := ValidateURL(tc.url)
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("ValidateURL(%q): got %v, want no error", tc.url, err)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("ValidateURL(%q): got %v, want an error containing %q", tc.url, err, tc.wantErr)
		}
	}
}

func TestDeliveryIDs(t *testing.T) {
	uuid4 := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := map[string]bool{}
	for range 100 {
		id := newDeliveryID()
		if !uuid4.MatchString(id) || seen[id] {
			t.Fatalf("delivery ID %q is not a fresh UUID v4", id)
		}
		seen[id] = true
	}
}

func TestRedact(t *testing.T) {
	got := redact("https://user:pw@hooks.example.com/a/b?token=abc#frag")
	if want := "https://hooks.example.com/a/b?redacted"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
