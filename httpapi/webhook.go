package httpapi

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/registry"
	"github.com/weir-ml/weir/webhook"
)

// defaultWebhooksPerPage is MLflow's default page size for list-webhooks.
const defaultWebhooksPerPage = 100

// webhookActions are the actions each entity has, as MLflow validates
// subscriptions.
var webhookActions = map[string][]string{
	"REGISTERED_MODEL":    {"CREATED"},
	"MODEL_VERSION":       {"CREATED"},
	"MODEL_VERSION_TAG":   {"SET", "DELETED"},
	"MODEL_VERSION_ALIAS": {"CREATED", "DELETED"},
	"PROMPT":              {"CREATED"},
	"PROMPT_VERSION":      {"CREATED"},
	"PROMPT_TAG":          {"SET", "DELETED"},
	"PROMPT_VERSION_TAG":  {"SET", "DELETED"},
	"PROMPT_ALIAS":        {"CREATED", "DELETED"},
	"BUDGET_POLICY":       {"EXCEEDED"},
}

// Enum numbers, for clients that send them instead of names.
var (
	webhookEntityNames = []string{"", "REGISTERED_MODEL", "MODEL_VERSION", "MODEL_VERSION_TAG", "MODEL_VERSION_ALIAS",
		"PROMPT", "PROMPT_VERSION", "PROMPT_TAG", "PROMPT_VERSION_TAG", "PROMPT_ALIAS", "BUDGET_POLICY"}
	webhookActionNames = []string{"", "CREATED", "UPDATED", "DELETED", "SET", "EXCEEDED"}
	webhookStatusNames = []string{"", registry.WebhookActive, registry.WebhookDisabled}
)

// needWebhooks answers FEATURE_DISABLED when the registry store keeps no
// webhooks, as MLflow does for stores without webhook support.
func (s *Server) needWebhooks(fn apiFunc) apiFunc {
	return func(w *jsonWriter, r *http.Request) error {
		if s.Registry == nil {
			return notServed(r)
		}
		if s.Webhooks == nil {
			return weir.Errorf(weir.ErrFeatureDisabled, "Webhooks are not supported by this server's model registry store.")
		}
		return fn(w, r)
	}
}

// wireEvent is a WebhookEvent in a request.
type wireEvent struct {
	Entity enum `json:"entity"`
	Action enum `json:"action"`
}

// enumName resolves an enum sent by name or number against names.
func enumName(f enum, names []string) (string, bool) {
	if n, err := strconv.Atoi(f.V); err == nil {
		if n > 0 && n < len(names) {
			return names[n], true
		}
		return "", false
	}
	for _, name := range names[1:] {
		if f.V == name {
			return name, true
		}
	}
	return "", false
}

// events validates subscriptions: known entities with their own actions.
func (v *validator) events(items []wireEvent) []registry.WebhookEvent {
	out := make([]registry.WebhookEvent, 0, len(items))
	for i, it := range items {
		if it.Entity.bad != nil {
			v.badType(itemName("events", i, "entity"), it.Entity.bad)
		}
		if it.Action.bad != nil {
			v.badType(itemName("events", i, "action"), it.Action.bad)
		}
		entity, ok1 := enumName(it.Entity, webhookEntityNames)
		action, ok2 := enumName(it.Action, webhookActionNames)
		if !ok1 || !ok2 {
			v.fail("Invalid webhook event " + compactEvent(it) + ": entity must be one of the WebhookEntity names " +
				"and action one of CREATED, UPDATED, DELETED, SET, EXCEEDED.")
			continue
		}
		if !contains(webhookActions[entity], action) {
			v.fail("Invalid action '" + action + "' for entity '" + entity + "'. Valid actions are: " +
				compactJSON(mustJSON(webhookActions[entity])))
			continue
		}
		out = append(out, registry.WebhookEvent{Entity: entity, Action: action})
	}
	return out
}

func compactEvent(e wireEvent) string {
	return "{entity: " + strconv.Quote(e.Entity.V) + ", action: " + strconv.Quote(e.Action.V) + "}"
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

// webhookStatus validates an optional status.
func (v *validator) webhookStatus(f enum) string {
	if f.bad != nil {
		v.badType("status", f.bad)
		return ""
	}
	if !f.Set {
		return ""
	}
	st, ok := enumName(f, webhookStatusNames)
	if !ok {
		v.fail(invalidValue("status", quoteJSON(f.V), "must be one of ACTIVE or DISABLED.") + docsHint)
	}
	return st
}

// webhookURL validates a receiver URL.
func (v *validator) webhookURL(u string) {
	if err := webhook.ValidateURL(u); err != nil {
		v.fail(err.Error())
	}
}

func (s *Server) createWebhook(w *jsonWriter, r *http.Request) error {
	var req struct {
		Name        str         `json:"name"`
		Description str         `json:"description"`
		URL         str         `json:"url"`
		Events      []wireEvent `json:"events"`
		Secret      str         `json:"secret"`
		Status      enum        `json:"status"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	var v validator
	h := registry.Webhook{
		Name:        v.reqStr("name", req.Name),
		URL:         v.reqStr("url", req.URL),
		Description: v.str("description", req.Description),
		Secret:      v.str("secret", req.Secret),
	}
	if len(req.Events) == 0 {
		v.missing("events")
	}
	h.Events = v.events(req.Events)
	h.Status = v.webhookStatus(req.Status)
	if h.Status == "" {
		h.Status = registry.WebhookActive
	}
	if v.err == nil {
		v.webhookURL(h.URL)
	}
	if v.err != nil {
		return v.err
	}
	created, err := s.Webhooks.CreateWebhook(r.Context(), h)
	if err != nil {
		return err
	}
	writeWebhook(w, created)
	return nil
}

func (s *Server) listWebhooks(w *jsonWriter, r *http.Request) error {
	var req struct {
		MaxResults i64 `json:"max_results"`
		PageToken  str `json:"page_token"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	var v validator
	max := v.i64("max_results", req.MaxResults)
	token := v.str("page_token", req.PageToken)
	switch {
	case !req.MaxResults.Set:
		max = defaultWebhooksPerPage
	case max < 1:
		v.maxResults(max, 1000)
	}
	if v.err != nil {
		return v.err
	}
	hooks, next, err := s.Webhooks.ListWebhooks(r.Context(), int(max), token)
	if err != nil {
		return err
	}
	w.openObject()
	if len(hooks) > 0 {
		w.arrayField("webhooks")
		for _, h := range hooks {
			w.comma()
			w.webhook(h)
		}
		w.closeArray()
	}
	w.optStringField("next_page_token", next)
	w.closeObject()
	return nil
}

func (s *Server) getWebhook(w *jsonWriter, r *http.Request) error {
	h, err := s.Webhooks.GetWebhook(r.Context(), r.PathValue("webhook_id"))
	if err != nil {
		return err
	}
	writeWebhook(w, h)
	return nil
}

func (s *Server) updateWebhook(w *jsonWriter, r *http.Request) error {
	var req struct {
		Name        str         `json:"name"`
		Description str         `json:"description"`
		URL         str         `json:"url"`
		Events      []wireEvent `json:"events"`
		Secret      str         `json:"secret"`
		Status      enum        `json:"status"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	// As in MLflow, an empty name, URL or event list leaves the field alone
	// (they cannot be empty), while description and secret change when
	// present, even to "" (which removes the signature).
	var v validator
	var u registry.WebhookUpdate
	if name := v.str("name", req.Name); name != "" {
		u.Name = &name
	}
	if desc := v.str("description", req.Description); req.Description.Set {
		u.Description = &desc
	}
	if url := v.str("url", req.URL); url != "" {
		v.webhookURL(url)
		u.URL = &url
	}
	if len(req.Events) > 0 {
		u.Events = v.events(req.Events)
	}
	if secret := v.str("secret", req.Secret); req.Secret.Set {
		u.Secret = &secret
	}
	if st := v.webhookStatus(req.Status); st != "" {
		u.Status = &st
	}
	if v.err != nil {
		return v.err
	}
	h, err := s.Webhooks.UpdateWebhook(r.Context(), r.PathValue("webhook_id"), u)
	if err != nil {
		return err
	}
	writeWebhook(w, h)
	return nil
}

func (s *Server) deleteWebhook(w *jsonWriter, r *http.Request) error {
	return s.Webhooks.DeleteWebhook(r.Context(), r.PathValue("webhook_id"))
}

// testWebhook sends an example payload for one of the webhook's events (the
// first, unless the request names another) and reports the receiver's
// answer. It is synchronous and makes one attempt, so the caller learns
// at once whether the receiver works.
func (s *Server) testWebhook(w *jsonWriter, r *http.Request) error {
	var req struct {
		Event *wireEvent `json:"event"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	var v validator
	var ev *registry.WebhookEvent
	if req.Event != nil {
		if evs := v.events([]wireEvent{*req.Event}); len(evs) == 1 {
			ev = &evs[0]
		}
	}
	if v.err != nil {
		return v.err
	}
	h, err := s.Webhooks.GetWebhook(r.Context(), r.PathValue("webhook_id"))
	if err != nil {
		return err
	}
	if ev == nil {
		if len(h.Events) == 0 {
			return weir.Errorf(weir.ErrInvalidParameterValue, "Webhook %s has no events to test.", h.ID)
		}
		ev = &h.Events[0]
	}
	event := webhook.Event{Entity: ev.Entity, Action: ev.Action}
	secret := s.webhookSecret(r, h, *ev)
	dispatcher := s.Deliveries
	if dispatcher == nil {
		dispatcher = webhook.NewDispatcher()
	}
	res := dispatcher.Send(r.Context(), webhook.Delivery{
		Target: webhook.Target{ID: h.ID, URL: h.URL, Secret: secret},
		Event:  event,
		Data:   examplePayload(event),
	})
	w.openObject()
	w.objectField("result")
	w.boolField("success", res.Success())
	if res.Status != 0 {
		w.intField("response_status", int64(res.Status))
		w.stringField("response_body", res.Body)
	}
	if res.Err != nil {
		w.stringField("error_message", "Failed to test webhook: "+res.Err.Error())
	}
	w.closeObject()
	w.closeObject()
	return nil
}

// webhookSecret finds the secret to sign a test delivery with. GetWebhook
// may leave it out (it is write-only), but WebhooksFor returns secrets for
// delivery, so an active webhook subscribed to ev is found there; other
// test deliveries go unsigned.
func (s *Server) webhookSecret(r *http.Request, h *registry.Webhook, ev registry.WebhookEvent) string {
	if h.Secret != "" {
		return h.Secret
	}
	hooks, err := s.Webhooks.WebhooksFor(r.Context(), ev)
	if err != nil {
		s.logger().Error("listing webhooks for a test delivery failed", "webhook_id", h.ID, "err", err)
		return ""
	}
	for _, x := range hooks {
		if x.ID == h.ID {
			return x.Secret
		}
	}
	return ""
}

// examplePayload is the data of a test delivery for event.
func examplePayload(e webhook.Event) any {
	const name, prompt, version = "example_model", "example_prompt", "1"
	tags := map[string]string{"example_key": "example_value"}
	switch e {
	case eventModelCreated:
		return registeredModelCreated{Name: name, Tags: tags, Description: optional("An example registered model")}
	case eventVersionCreated:
		return modelVersionCreated{Name: name, Version: version, Source: "models:/123", RunID: optional("abcd1234abcd5678"),
			Tags: tags, Description: optional("An example model version")}
	case eventVersionTagSet:
		return versionTagSet{Name: name, Version: version, Key: "example_key", Value: "example_value"}
	case eventVersionTagDeleted:
		return versionTagDeleted{Name: name, Version: version, Key: "example_key"}
	case eventAliasCreated:
		return aliasCreated{Name: name, Alias: "example_alias", Version: version}
	case eventAliasDeleted:
		return aliasDeleted{Name: name, Alias: "example_alias"}
	case eventPromptCreated:
		return registeredModelCreated{Name: prompt, Tags: tags, Description: optional("An example prompt")}
	case eventPromptVersionCreated:
		return promptVersionCreated{Name: prompt, Version: version, Template: optional("Hello {{name}}!"), Tags: tags,
			Description: optional("An example prompt version")}
	case eventPromptTagSet:
		return promptTagSet{Name: prompt, Key: "example_key", Value: "example_value"}
	case eventPromptTagDeleted:
		return promptTagDeleted{Name: prompt, Key: "example_key"}
	case eventPromptVersionTagSet:
		return versionTagSet{Name: prompt, Version: version, Key: "example_key", Value: "example_value"}
	case eventPromptVersionTagDeleted:
		return versionTagDeleted{Name: prompt, Version: version, Key: "example_key"}
	case eventPromptAliasCreated:
		return aliasCreated{Name: prompt, Alias: "example_alias", Version: version}
	case eventPromptAliasDeleted:
		return aliasDeleted{Name: prompt, Alias: "example_alias"}
	}
	return map[string]string{"name": "example"}
}

// webhook writes a webhook; the secret is write-only and never written.
func (w *jsonWriter) webhook(h *registry.Webhook) {
	w.openObject()
	w.stringField("webhook_id", h.ID)
	w.stringField("name", h.Name)
	w.optStringField("description", h.Description)
	w.stringField("url", h.URL)
	if len(h.Events) > 0 {
		w.webhookEvents(h.Events)
	}
	w.optStringField("status", h.Status)
	w.intField("creation_timestamp", h.CreationTimestamp)
	w.intField("last_updated_timestamp", h.LastUpdatedTimestamp)
	w.closeObject()
}

func writeWebhook(w *jsonWriter, h *registry.Webhook) {
	w.openObject()
	w.key("webhook")
	w.webhook(h)
	w.closeObject()
}
