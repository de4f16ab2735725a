package httpapi

import (
	"net/http"

	"github.com/weir-ml/weir/registry"
	"github.com/weir-ml/weir/webhook"
)

// Registry events that webhooks receive, as MLflow's server sends them.
var (
	eventModelCreated      = webhook.Event{Entity: "REGISTERED_MODEL", Action: "CREATED"}
	eventVersionCreated    = webhook.Event{Entity: "MODEL_VERSION", Action: "CREATED"}
	eventVersionTagSet     = webhook.Event{Entity: "MODEL_VERSION_TAG", Action: "SET"}
	eventVersionTagDeleted = webhook.Event{Entity: "MODEL_VERSION_TAG", Action: "DELETED"}
	eventAliasCreated      = webhook.Event{Entity: "MODEL_VERSION_ALIAS", Action: "CREATED"}
	eventAliasDeleted      = webhook.Event{Entity: "MODEL_VERSION_ALIAS", Action: "DELETED"}
)

// The "data" of each event's payload. Field names and null-versus-empty
// choices follow MLflow's payloads, which receivers already parse.
type (
	registeredModelCreated struct {
		Name        string            `json:"name"`
		Tags        map[string]string `json:"tags"`
		Description *string           `json:"description"`
	}
	modelVersionCreated struct {
		Name        string            `json:"name"`
		Version     string            `json:"version"`
		Source      string            `json:"source"`
		RunID       *string           `json:"run_id"`
		Tags        map[string]string `json:"tags"`
		Description *string           `json:"description"`
	}
	versionTagSet struct {
		Name    string `json:"name"`
		Version string `json:"version"`
		Key     string `json:"key"`
		Value   string `json:"value"`
	}
	versionTagDeleted struct {
		Name    string `json:"name"`
		Version string `json:"version"`
		Key     string `json:"key"`
	}
	aliasCreated struct {
		Name    string `json:"name"`
		Alias   string `json:"alias"`
		Version string `json:"version"`
	}
	aliasDeleted struct {
		Name  string `json:"name"`
		Alias string `json:"alias"`
	}
)

// promptTag marks registered models that are MLflow prompts. Prompt events
// have their own entities, which Weir does not send yet; registry events
// about prompts are therefore not announced at all rather than mislabelled.
const promptTag = "mlflow.prompt.is_prompt"

// openDeliveries starts webhook delivery when the server has webhooks.
func (s *Server) openDeliveries() error {
	if s.Webhooks == nil || s.Deliveries == nil {
		return nil
	}
	if s.Deliveries.Logger == nil {
		s.Deliveries.Logger = s.logger()
	}
	return s.Deliveries.Open()
}

// announce queues ev for the active webhooks subscribed to it, after the
// registry change succeeded. Failures are logged, never returned: the
// change is made, and a webhook is a notification about it. model names
// the registered model the event is about, to leave prompts out.
func (s *Server) announce(r *http.Request, ev webhook.Event, model string, data any) {
	if s.Webhooks == nil || s.Deliveries == nil {
		return
	}
	ctx := r.Context()
	hooks, err := s.Webhooks.WebhooksFor(ctx, registry.WebhookEvent{Entity: ev.Entity, Action: ev.Action})
	if err != nil {
		s.logger().Error("listing webhooks for an event failed", "event", ev.String(), "err", err)
		return
	}
	if len(hooks) == 0 || s.isPrompt(r, model) {
		return
	}
	for _, h := range hooks {
		if h.Status != "" && h.Status != registry.WebhookActive {
			continue
		}
		s.Deliveries.Enqueue(webhook.Delivery{
			Target: webhook.Target{ID: h.ID, URL: h.URL, Secret: h.Secret},
			Event:  ev,
			Data:   data,
		})
	}
}

// isPrompt reports whether the registered model called name is a prompt.
func (s *Server) isPrompt(r *http.Request, name string) bool {
	if name == "" || s.Registry == nil {
		return false
	}
	m, err := s.Registry.GetRegisteredModel(r.Context(), name)
	return err == nil && hasPromptTag(m.Tags)
}

func hasPromptTag(tags []registry.Tag) bool {
	prompt := false
	for _, t := range tags { // the last value of a repeated key wins, as in MLflow
		if t.Key == promptTag {
			prompt = t.Value == "true" || t.Value == "True" || t.Value == "TRUE"
		}
	}
	return prompt
}

// tagMap turns tags into the JSON object payloads carry; never nil, so an
// empty set encodes as {}.
func tagMap(tags []registry.Tag) map[string]string {
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		m[t.Key] = t.Value
	}
	return m
}

// optional returns nil for "", which payloads encode as null.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
