package httpapi

import (
	"net/http"
	"strings"

	"github.com/weir-ml/weir/registry"
	"github.com/weir-ml/weir/webhook"
)

// Registry events and their payloads live in package webhook, where the
// store's outbox builds them too; these names keep the handlers short.
var (
	eventModelCreated      = webhook.ModelCreated
	eventVersionCreated    = webhook.VersionCreated
	eventVersionTagSet     = webhook.VersionTagSet
	eventVersionTagDeleted = webhook.VersionTagDeleted
	eventAliasCreated      = webhook.AliasCreated
	eventAliasDeleted      = webhook.AliasDeleted

	eventPromptCreated           = webhook.PromptCreated
	eventPromptVersionCreated    = webhook.PromptVersionCreated
	eventPromptTagSet            = webhook.PromptTagSet
	eventPromptTagDeleted        = webhook.PromptTagDeleted
	eventPromptVersionTagSet     = webhook.PromptVersionTagSet
	eventPromptVersionTagDeleted = webhook.PromptVersionTagDeleted
	eventPromptAliasCreated      = webhook.PromptAliasCreated
	eventPromptAliasDeleted      = webhook.PromptAliasDeleted
)

type (
	registeredModelCreated = webhook.RegisteredModelCreated
	modelVersionCreated    = webhook.ModelVersionCreated
	versionTagSet          = webhook.VersionTagSetData
	versionTagDeleted      = webhook.VersionTagDeletedData
	aliasCreated           = webhook.AliasCreatedData
	aliasDeleted           = webhook.AliasDeletedData
	promptVersionCreated   = webhook.PromptVersionCreatedData
	promptTagSet           = webhook.PromptTagSetData
	promptTagDeleted       = webhook.PromptTagDeletedData
)

const (
	promptTag     = webhook.PromptTag
	promptTypeTag = webhook.PromptTypeTag
	promptTextTag = webhook.PromptTextTag
)

// openDeliveries starts webhook delivery when the server has webhooks. A
// webhook store that is also an outbox (sqlstore's) records each event in
// the transaction of its change, and the dispatcher delivers from there:
// an event whose change committed survives this server, and the servers
// sharing the database deliver each event once between them. Other stores
// get the events from announce, after the change.
func (s *Server) openDeliveries() error {
	if s.Webhooks == nil || s.Deliveries == nil {
		return nil
	}
	if s.Deliveries.Logger == nil {
		s.Deliveries.Logger = s.logger()
	}
	if ob, ok := s.Webhooks.(webhook.Outbox); ok && s.Deliveries.Outbox == nil {
		s.Deliveries.Outbox = ob
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
	if s.Deliveries.Outbox != nil {
		return // the store recorded the event and wakes the relay itself
	}
	if s.isPrompt(r, name) {
		s.announce(r, promptEv, promptData)
		return
	}
	s.announce(r, modelEv, modelData)
}

// announce queues ev for the active webhooks subscribed to it, after the
// registry change succeeded. Failures are logged, never returned: the
// change is made, and a webhook is a notification about it. With an
// outbox the store has recorded the event already, and wakes this server's
// delivery loop itself once the change has committed.
func (s *Server) announce(r *http.Request, ev webhook.Event, data any) {
	if s.Webhooks == nil || s.Deliveries == nil || ev.Entity == "" {
		return
	}
	if s.Deliveries.Outbox != nil {
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
