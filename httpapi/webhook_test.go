package httpapi

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/registry"
	"github.com/weir-ml/weir/webhook"
)

func TestWebhookRequests(t *testing.T) {
	const base = "/api/2.0/mlflow/webhooks"
	bad := weir.ErrInvalidParameterValue
	mvCreated := []registry.WebhookEvent{{Entity: "MODEL_VERSION", Action: "CREATED"}}
	runRegistryCases(t, []apiCase{
		{name: "create", method: "POST", target: base,
			body: `{"name":"ci","description":"d","url":"https://h.example.com/x","events":[{"entity":"MODEL_VERSION","action":"CREATED"},` +
				`{"entity":"MODEL_VERSION_TAG","action":"SET"}],"secret":"s","status":"DISABLED"}`,
			wantCall: callTo("CreateWebhook", registry.Webhook{Name: "ci", Description: "d", URL: "https://h.example.com/x", Secret: "s",
				Status: registry.WebhookDisabled, Events: append(mvCreated, registry.WebhookEvent{Entity: "MODEL_VERSION_TAG", Action: "SET"})})},
		{name: "create defaults to active, enums by number", method: "POST", target: base,
			body:     `{"name":"ci","url":"http://127.0.0.1:9/x","events":[{"entity":2,"action":1}]}`,
			wantCall: callTo("CreateWebhook", registry.Webhook{Name: "ci", URL: "http://127.0.0.1:9/x", Status: registry.WebhookActive, Events: mvCreated})},
		{name: "create without events", method: "POST", target: base, body: `{"name":"ci","url":"https://h/x","events":[]}`,
			wantStatus: 400, wantCode: bad, wantMsg: missing("events")},
		{name: "create invalid pair", method: "POST", target: base,
			body:       `{"name":"ci","url":"https://h/x","events":[{"entity":"MODEL_VERSION","action":"SET"}]}`,
			wantStatus: 400, wantCode: bad, wantMsg: `Invalid action 'SET' for entity 'MODEL_VERSION'. Valid actions are: ["CREATED"]`},
		{name: "create unknown entity", method: "POST", target: base,
			body: `{"name":"ci","url":"https://h/x","events":[{"entity":"RUN","action":"CREATED"}]}`, wantStatus: 400, wantCode: bad,
			wantMsg: `Invalid webhook event {entity: "RUN", action: "CREATED"}: entity must be one of the WebhookEntity names and action one of CREATED, UPDATED, DELETED, SET, EXCEEDED.`},
		{name: "create ftp URL", method: "POST", target: base, body: `{"name":"ci","url":"ftp://h/x","events":[{"entity":2,"action":1}]}`,
			wantStatus: 400, wantCode: bad, wantMsg: `Invalid webhook URL scheme: "ftp". Allowed schemes are: http, https.`},
		{name: "create bad status", method: "POST", target: base,
			body: `{"name":"ci","url":"https://h/x","events":[{"entity":2,"action":1}],"status":"PAUSED"}`, wantStatus: 400, wantCode: bad,
			wantMsg: `Invalid value "PAUSED" for parameter 'status' supplied: must be one of ACTIVE or DISABLED.` + seeDocs},
		{name: "create missing url", method: "POST", target: base, body: `{"name":"ci","events":[{"entity":2,"action":1}]}`,
			wantStatus: 400, wantCode: bad, wantMsg: missing("url")},
		{name: "list", method: "GET", target: base + "?max_results=5&page_token=p", wantCall: callTo("ListWebhooks", 5, "p")},
		{name: "list default page", method: "GET", target: base, wantCall: callTo("ListWebhooks", 100, "")},
		{name: "list max_results 0", method: "GET", target: base + "?max_results=0", wantStatus: 400, wantCode: bad,
			wantMsg: "Invalid value 0 for parameter 'max_results' supplied. It must be a positive integer"},
		{name: "get", method: "GET", target: base + "/wh-1", wantCall: callTo("GetWebhook", "wh-1")},
		{name: "update some fields", method: "PATCH", target: base + "/wh-1", body: `{"description":"","status":"DISABLED","name":""}`,
			wantCall: callTo("UpdateWebhook", "wh-1", registry.WebhookUpdate{Description: ptr(""), Status: ptr(registry.WebhookDisabled)})},
		{name: "update all fields", method: "PATCH", target: base + "/wh-1",
			body: `{"name":"n","description":"d","url":"https://h/y","events":[{"entity":"REGISTERED_MODEL","action":"CREATED"}],"secret":"","status":"ACTIVE"}`,
			wantCall: callTo("UpdateWebhook", "wh-1", registry.WebhookUpdate{Name: ptr("n"), Description: ptr("d"), URL: ptr("https://h/y"),
				Events: []registry.WebhookEvent{{Entity: "REGISTERED_MODEL", Action: "CREATED"}}, Secret: ptr(""), Status: ptr(registry.WebhookActive)})},
		{name: "update bad url", method: "PATCH", target: base + "/wh-1", body: `{"url":"javascript:alert(1)"}`,
			wantStatus: 400, wantCode: bad, wantMsg: `Invalid webhook URL scheme: "javascript". Allowed schemes are: http, https.`},
		{name: "delete", method: "DELETE", target: base + "/wh-1", wantCall: callTo("DeleteWebhook", "wh-1")},
		{name: "test bad event", method: "POST", target: base + "/wh-1/test", body: `{"event":{"entity":"PROMPT","action":"SET"}}`,
			wantStatus: 400, wantCode: bad, wantMsg: `Invalid action 'SET' for entity 'PROMPT'. Valid actions are: ["CREATED"]`},
	})
}

// TestWebhookNeverShowsSecret: the sample webhook has a secret; no
// response may carry it.
func TestWebhookNeverShowsSecret(t *testing.T) {
	for _, tc := range []struct{ method, target, body string }{
		{"GET", "/api/2.0/mlflow/webhooks/wh-1", ""},
		{"GET", "/api/2.0/mlflow/webhooks", ""},
		{"PATCH", "/api/2.0/mlflow/webhooks/wh-1", `{"secret":"x"}`},
		{"POST", "/api/2.0/mlflow/webhooks", `{"name":"n","url":"https://h/x","events":[{"entity":2,"action":1}],"secret":"never-on-the-wire"}`},
	} {
		s, _ := newRegistryServer(t)
		rec := do(t, s.Handler(), tc.method, tc.target, ctypeFor(tc.body), tc.body)
		if rec.Code != 200 || strings.Contains(rec.Body.String(), "never-on-the-wire") || strings.Contains(rec.Body.String(), "secret") {
			t.Errorf("%s %s: got %d %s", tc.method, tc.target, rec.Code, rec.Body)
		}
	}
}

// hookReceiver records deliveries and answers with status.
type hookReceiver struct {
	*httptest.Server
	mu     sync.Mutex
	status int
	got    []*http.Request
	bodies []string
	seen   chan struct{}
}

func newHookReceiver(t *testing.T, status int) *hookReceiver {
	r := &hookReceiver{status: status, seen: make(chan struct{}, 64)}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.got = append(r.got, req)
		r.bodies = append(r.bodies, string(b))
		r.mu.Unlock()
		w.WriteHeader(r.status)
		io.WriteString(w, "thanks")
		r.seen <- struct{}{}
	}))
	t.Cleanup(r.Close)
	return r
}

func TestTestWebhook(t *testing.T) {
	ok := newHookReceiver(t, http.StatusOK)
	failing := newHookReceiver(t, http.StatusInternalServerError)
	cases := []struct {
		name, url, body, want string
		subscribed            bool
	}{
		{"first event, signed via WebhooksFor", ok.URL, `{}`,
			`{"result":{"success":true,"response_status":200,"response_body":"thanks"}}`, true},
		{"named event", ok.URL, `{"event":{"entity":"MODEL_VERSION_ALIAS","action":"DELETED"}}`,
			`{"result":{"success":true,"response_status":200,"response_body":"thanks"}}`, true},
		{"receiver error, one attempt", failing.URL, `{}`,
			`{"result":{"success":false,"response_status":500,"response_body":"thanks"}}`, false},
		{"unreachable", "http://127.0.0.1:1/x", `{}`, `{"result":{"success":false,"error_message":"Failed to test webhook: `, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, d := newRegistryServer(t)
			s.Deliveries.AllowPrivateNetworks = true
			hook := sampleWebhook()
			hook.URL, hook.Secret = tc.url, "" // as GetWebhook answers: no secret
			d.webhooks.hook = hook
			if tc.subscribed {
				withSecret := *hook
				withSecret.Secret = "s3cr3t"
				d.webhooks.subscribed = []*registry.Webhook{&withSecret}
			}
			rec := do(t, s.Handler(), "POST", "/api/2.0/mlflow/webhooks/wh-1/test", "application/json", tc.body)
			if rec.Code != 200 || !strings.HasPrefix(rec.Body.String(), tc.want) {
				t.Fatalf("got %d %s, want %s", rec.Code, rec.Body, tc.want)
			}
		})
	}
	if len(ok.got) != 2 || len(failing.got) != 1 {
		t.Fatalf("deliveries: got %d and %d, want 2 and 1", len(ok.got), len(failing.got))
	}
	req := ok.got[0]
	if !webhook.Verify("s3cr3t", req.Header.Get(webhook.HeaderDeliveryID), req.Header.Get(webhook.HeaderTimestamp),
		[]byte(ok.bodies[0]), req.Header.Get(webhook.HeaderSignature)) {
		t.Errorf("test delivery not signed with the webhook's secret: %v", req.Header)
	}
	var first, second struct {
		Entity, Action string
		Data           map[string]any
	}
	json.Unmarshal([]byte(ok.bodies[0]), &first)
	json.Unmarshal([]byte(ok.bodies[1]), &second)
	if first.Entity != "model_version" || first.Action != "created" || first.Data["source"] != "models:/123" {
		t.Errorf("first test payload: got %s", ok.bodies[0])
	}
	if second.Entity != "model_version_alias" || second.Action != "deleted" || second.Data["alias"] != "example_alias" {
		t.Errorf("named-event test payload: got %s", ok.bodies[1])
	}
	if failing.got[0].Header.Get(webhook.HeaderSignature) != "" {
		t.Error("a webhook without a known secret was signed")
	}
}

// openDeliveries starts s's dispatcher for a handler test.
func openDeliveries(t *testing.T, s *Server) {
	t.Helper()
	s.Deliveries.Backoff, s.Deliveries.MaxBackoff = time.Millisecond, time.Millisecond
	s.Deliveries.AllowPrivateNetworks = true // receivers are on 127.0.0.1
	if err := s.openDeliveries(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Deliveries.Close() })
}

// TestRegistryEvents: each registry change announces its event to the
// subscribed active webhooks, with MLflow's payload; failed changes,
// prompts and disabled webhooks announce nothing.
func TestRegistryEvents(t *testing.T) {
	const base = "/api/2.0/mlflow/"
	cases := []struct {
		name, method, target, body string
		wantEvent                  registry.WebhookEvent
		wantPayload                string // the payload's data; "" for no delivery
		prompt, fail, disabled     bool
	}{
		{name: "model created", method: "POST", target: base + "registered-models/create", body: `{"name":"m","tags":[{"key":"k","value":"v"}]}`,
			wantEvent: registry.WebhookEvent{Entity: "REGISTERED_MODEL", Action: "CREATED"}, wantPayload: `{"name":"m","tags":{"k":"v"},"description":""}`},
		{name: "version created", method: "POST", target: base + "model-versions/create", body: `{"name":"m","source":"s3://b/m"}`,
			wantEvent:   registry.WebhookEvent{Entity: "MODEL_VERSION", Action: "CREATED"},
			wantPayload: `{"name":"m","version":"3","source":"s3://b/m","run_id":null,"tags":{},"description":null}`},
		{name: "version tag set", method: "POST", target: base + "model-versions/set-tag", body: `{"name":"m","version":"1","key":"k","value":"v"}`,
			wantEvent: registry.WebhookEvent{Entity: "MODEL_VERSION_TAG", Action: "SET"}, wantPayload: `{"name":"m","version":"1","key":"k","value":"v"}`},
		{name: "version tag deleted", method: "DELETE", target: base + "model-versions/delete-tag", body: `{"name":"m","version":"1","key":"k"}`,
			wantEvent: registry.WebhookEvent{Entity: "MODEL_VERSION_TAG", Action: "DELETED"}, wantPayload: `{"name":"m","version":"1","key":"k"}`},
		{name: "alias set", method: "POST", target: base + "registered-models/alias", body: `{"name":"m","alias":"a","version":"1"}`,
			wantEvent: registry.WebhookEvent{Entity: "MODEL_VERSION_ALIAS", Action: "CREATED"}, wantPayload: `{"name":"m","alias":"a","version":"1"}`},
		{name: "alias deleted", method: "DELETE", target: base + "registered-models/alias", body: `{"name":"m","alias":"a"}`,
			wantEvent: registry.WebhookEvent{Entity: "MODEL_VERSION_ALIAS", Action: "DELETED"}, wantPayload: `{"name":"m","alias":"a"}`},
		{name: "failed change", method: "POST", target: base + "registered-models/alias", body: `{"name":"m","alias":"a","version":"1"}`, fail: true},
		{name: "prompt alias", method: "POST", target: base + "registered-models/alias", body: `{"name":"m","alias":"a","version":"1"}`,
			wantEvent: registry.WebhookEvent{Entity: "PROMPT_ALIAS", Action: "CREATED"}, prompt: true,
			wantPayload: `{"name":"m","alias":"a","version":"1"}`},
		{name: "prompt created", method: "POST", target: base + "registered-models/create",
			body:      `{"name":"p","tags":[{"key":"mlflow.prompt.is_prompt","value":"true"},{"key":"_mlflow_prompt_type","value":"text"},{"key":"k","value":"v"}]}`,
			wantEvent: registry.WebhookEvent{Entity: "PROMPT", Action: "CREATED"}, wantPayload: `{"name":"p","tags":{"k":"v"},"description":""}`},
		{name: "prompt version created", method: "POST", target: base + "model-versions/create",
			body: `{"name":"p","source":"dummy-source","description":"d","tags":[{"key":"mlflow.prompt.is_prompt","value":"TRUE"},` +
				`{"key":"mlflow.prompt.text","value":"Hi {{x}}"},{"key":"k","value":"v"}]}`,
			wantEvent:   registry.WebhookEvent{Entity: "PROMPT_VERSION", Action: "CREATED"},
			wantPayload: `{"name":"p","version":"3","template":"Hi {{x}}","tags":{"k":"v"},"description":"d"}`},
		{name: "prompt tag set", method: "POST", target: base + "registered-models/set-tag", body: `{"name":"m","key":"k","value":"v"}`,
			wantEvent: registry.WebhookEvent{Entity: "PROMPT_TAG", Action: "SET"}, prompt: true, wantPayload: `{"name":"m","key":"k","value":"v"}`},
		{name: "prompt tag deleted", method: "DELETE", target: base + "registered-models/delete-tag", body: `{"name":"m","key":"k"}`,
			wantEvent: registry.WebhookEvent{Entity: "PROMPT_TAG", Action: "DELETED"}, prompt: true, wantPayload: `{"name":"m","key":"k"}`},
		{name: "prompt version tag set", method: "POST", target: base + "model-versions/set-tag", body: `{"name":"m","version":"1","key":"k","value":"v"}`,
			wantEvent: registry.WebhookEvent{Entity: "PROMPT_VERSION_TAG", Action: "SET"}, prompt: true,
			wantPayload: `{"name":"m","version":"1","key":"k","value":"v"}`},
		{name: "disabled webhook", method: "POST", target: base + "registered-models/alias", body: `{"name":"m","alias":"a","version":"1"}`,
			wantEvent: registry.WebhookEvent{Entity: "MODEL_VERSION_ALIAS", Action: "CREATED"}, disabled: true},
		{name: "no event for model tags", method: "POST", target: base + "registered-models/set-tag", body: `{"name":"m","key":"k","value":"v"}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rcv := newHookReceiver(t, http.StatusOK)
			s, d := newRegistryServer(t)
			openDeliveries(t, s)
			hook := sampleWebhook()
			hook.URL, hook.Secret = rcv.URL, "s3cr3t"
			if tc.disabled {
				hook.Status = registry.WebhookDisabled
			}
			d.webhooks.subscribed = []*registry.Webhook{hook}
			if tc.prompt {
				d.registry.model = &registry.RegisteredModel{Name: "m", Tags: []registry.Tag{{Key: "mlflow.prompt.is_prompt", Value: "true"}}}
			}
			if tc.fail {
				d.rec.err = weir.Errorf(weir.ErrResourceDoesNotExist, "no such model")
			}
			rec := do(t, s.Handler(), tc.method, tc.target, "application/json", tc.body)
			if tc.fail != (rec.Code != 200) {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			var lookups []any
			for _, c := range d.rec.calls {
				if c.Method == "WebhooksFor" {
					lookups = append(lookups, c.Args[0])
				}
			}
			if tc.wantEvent.Entity != "" && (len(lookups) != 1 || lookups[0] != tc.wantEvent) {
				t.Errorf("webhook lookups: got %v, want [%v]", lookups, tc.wantEvent)
			}
			if tc.wantEvent.Entity == "" && len(lookups) != 0 {
				t.Errorf("webhook lookups: got %v, want none", lookups)
			}
			s.Deliveries.Close() // drains the queue
			if tc.wantPayload == "" {
				if len(rcv.got) != 0 {
					t.Errorf("deliveries: got %q, want none", rcv.bodies)
				}
				return
			}
			if len(rcv.got) != 1 {
				t.Fatalf("deliveries: got %d, want 1", len(rcv.got))
			}
			var env struct {
				Entity, Action, Timestamp string
				Data                      json.RawMessage
			}
			if err := json.Unmarshal([]byte(rcv.bodies[0]), &env); err != nil {
				t.Fatal(err)
			}
			if string(env.Data) != tc.wantPayload || env.Entity != strings.ToLower(tc.wantEvent.Entity) ||
				env.Action != strings.ToLower(tc.wantEvent.Action) || env.Timestamp == "" {
				t.Errorf("payload: got %s, want data %s", rcv.bodies[0], tc.wantPayload)
			}
			req := rcv.got[0]
			if !webhook.Verify("s3cr3t", req.Header.Get(webhook.HeaderDeliveryID), req.Header.Get(webhook.HeaderTimestamp),
				[]byte(rcv.bodies[0]), req.Header.Get(webhook.HeaderSignature)) {
				t.Error("delivery signature does not verify")
			}
		})
	}
}

// TestWebhookLookupFailureKeepsTheChange: the registry change succeeds even
// when listing webhooks fails.
func TestWebhookLookupFailureKeepsTheChange(t *testing.T) {
	s, d := newRegistryServer(t)
	openDeliveries(t, s)
	d.webhooks.recorder = &recorder{err: weir.Errorf(weir.ErrInternal, "db down")}
	rec := do(t, s.Handler(), "POST", "/api/2.0/mlflow/registered-models/alias", "application/json", `{"name":"m","alias":"a","version":"1"}`)
	if rec.Code != 200 || !sameCall(d.rec.first(), callTo("SetRegisteredModelAlias", "m", "a", "1")) {
		t.Errorf("got %d %s, calls %v", rec.Code, rec.Body, d.rec.calls)
	}
}

func TestDisabledParts(t *testing.T) {
	s := newTestServer(t, &fakeTracking{})
	cases := []struct{ method, target, code string }{
		{"GET", "/api/2.0/mlflow/registered-models/get?name=m", weir.ErrEndpointNotFound},
		{"POST", "/api/2.0/mlflow/model-versions/create", weir.ErrEndpointNotFound},
		{"GET", "/api/2.0/mlflow/webhooks", weir.ErrEndpointNotFound},
		{"GET", "/api/2.0/mlflow/logged-models/m-1", weir.ErrEndpointNotFound},
		{"GET", "/ajax-api/2.0/mlflow/logged-models/m-1/artifacts/files?artifact_file_path=x", weir.ErrEndpointNotFound},
	}
	for _, tc := range cases {
		rec := do(t, s.Handler(), tc.method, tc.target, "application/json", "{}")
		if code, _ := errorFields(t, rec.Body.String()); rec.Code != 404 || code != tc.code {
			t.Errorf("%s %s: got %d %s", tc.method, tc.target, rec.Code, rec.Body)
		}
	}
	s.Registry = &fakeRegistry{recorder: &recorder{}}
	rec := do(t, s.Handler(), "GET", "/api/2.0/mlflow/webhooks", "", "")
	if code, msg := errorFields(t, rec.Body.String()); rec.Code != 500 || code != weir.ErrFeatureDisabled ||
		msg != "Webhooks are not supported by this server's model registry store." {
		t.Errorf("webhooks without a webhook store: got %d %s", rec.Code, rec.Body)
	}
}

// TestTestWebhookPrivateReceiver: by default the server refuses to deliver
// to its own network, and says so.
func TestTestWebhookPrivateReceiver(t *testing.T) {
	rcv := newHookReceiver(t, http.StatusOK)
	s, d := newRegistryServer(t)
	hook := sampleWebhook()
	hook.URL = rcv.URL
	d.webhooks.hook = hook
	rec := do(t, s.Handler(), "POST", "/api/2.0/mlflow/webhooks/wh-1/test", "application/json", `{}`)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"success":false`) ||
		!strings.Contains(rec.Body.String(), "is not public") || len(rcv.got) != 0 {
		t.Errorf("got %d %s and %d deliveries", rec.Code, rec.Body, len(rcv.got))
	}
}
