package httpapi

import (
	"net/http"
	"strings"

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

	// Registered models tagged as prompts announce these instead.
	eventPromptCreated           = webhook.Event{Entity: "PROMPT", Action: "CREATED"}
	eventPromptVersionCreated    = webhook.Event{Entity: "PROMPT_VERSION", Action: "CREATED"}
	eventPromptTagSet            = webhook.Event{Entity: "PROMPT_TAG", Action: "SET"}
	eventPromptTagDeleted        = webhook.Event{Entity: "PROMPT_TAG", Action: "DELETED"}
	eventPromptVersionTagSet     = webhook.Event{Entity: "PROMPT_VERSION_TAG", Action: "SET"}
	eventPromptVersionTagDeleted = webhook.Event{Entity: "PROMPT_VERSION_TAG", Action: "DELETED"}
	eventPromptAliasCreated      = webhook.Event{Entity: "PROMPT_ALIAS", Action: "CREATED"}
	eventPromptAliasDeleted      = webhook.Event{Entity: "PROMPT_ALIAS", Action: "DELETED"}
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
	promptVersionCreated struct {
		Name        string            `json:"name"`
		Version     string            `json:"version"`
		Template    *string           `json:"template"`
		Tags        map[string]string `json:"tags"`
		Description *string           `json:"description"`
	}
	promptTagSet struct {
		Name  string `json:"name"`
		Key   string `json:"key"`
		Value string `json:"value"`
	}
	promptTagDeleted struct {
		Name string `json:"name"`
		Key  string `json:"key"`
	}
)

// Tags that mark registered models and versions as MLflow prompts, which
// announce PROMPT_* events, and carry their type and template. Payloads
// leave them out, as MLflow's do.
const (
	promptTag     = "mlflow.prompt.is_prompt"
	promptTypeTag = "_mlflow_prompt_type"
	promptTextTag = "mlflow.prompt.text"
)

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

// announceAbout announces a change to the registered model called name:
// modelEv for a model, promptEv for a prompt; an empty event announces
// nothing.
func (s *Server) announceAbout(r *http.Request, name string, modelEv, promptEv webhook.Event, modelData, promptData any) {
	if s.Webhooks == nil || s.Deliveries == nil {
		return
	}
	if s.isPrompt(r, name) {
		s.announce(r, promptEv, promptData)
		return
	}
	s.announce(r, modelEv, modelData)
}

// announce queues ev for the active webhooks subscribed to it, after the
// registry change succeeded. Failures are logged, never returned: the
// change is made, and a webhook is a notification about it.
func (s *Server) announce(r *http.Request, ev webhook.Event, data any) {
	if s.Webhooks == nil || s.Deliveries == nil || ev.Entity == "" {
		return
	}
	hooks, err := s.Webhooks.WebhooksFor(r.Context(), registry.WebhookEvent{Entity: ev.Entity, Action: ev.Action})
	if err != nil {
		s.logger().Error("listing webhooks for an event failed", "event", ev.String(), "err", err)
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
			prompt = strings.EqualFold(t.Value, "true")
		}
	}
	return prompt
}

// tagMap turns tags into the JSON object payloads carry, without the
// keys in drop; never nil, so an empty set encodes as {}.
func tagMap(tags []registry.Tag, drop ...string) map[string]string {
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		if !contains(drop, t.Key) {
			m[t.Key] = t.Value
		}
	}
	return m
}

// promptTemplate returns the template a prompt version's tags carry.
func promptTemplate(tags []registry.Tag) *string {
	var text *string
	for _, t := range tags {
		if t.Key == promptTextTag {
			text = &t.Value
		}
	}
	return text
}

// optional returns nil for "", which payloads encode as null.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
