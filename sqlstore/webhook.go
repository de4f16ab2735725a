package sqlstore

import (
	"context"
	"database/sql"
	"net/url"
	"regexp"
	"strings"

	weir "github.com/weir-ml/weir"
	"github.com/weir-ml/weir/registry"
	"github.com/weir-ml/weir/tracking"
)

// Webhook list limits, as MLflow's.
const (
	defaultWebhookResults = 100
	maxWebhookResults     = 1000
)

// webhookActions lists, per entity, the actions a webhook may subscribe to.
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

// webhookName is MLflow's rule: 1 to 63 letters, digits, '.', '_' and '-',
// starting and ending with a letter or digit.
var webhookName = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$`)

func validateWebhookName(name string) error {
	if !webhookName.MatchString(name) {
		return weir.Errorf(weir.ErrInvalidParameterValue,
			"Webhook name '%s' is invalid. It must start and end with a letter or digit, be less than 63 characters long, and contain only letters, digits, dots (.), underscores (_), and hyphens (-).",
			name)
	}
	return nil
}

// validateWebhookURL accepts http and https URLs with a host.
func validateWebhookURL(raw string) error {
	if strings.TrimSpace(raw) == "" {
		return weir.Errorf(weir.ErrInvalidParameterValue, "Webhook URL cannot be empty or just whitespace: '%s'", raw)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return weir.Errorf(weir.ErrInvalidParameterValue, "Invalid webhook URL '%s'", raw)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return weir.Errorf(weir.ErrInvalidParameterValue, "Invalid webhook URL scheme: '%s'. Allowed schemes are: http, https.", u.Scheme)
	}
	if u.Hostname() == "" {
		return weir.Errorf(weir.ErrInvalidParameterValue, "Webhook URL must include a hostname: '%s'", raw)
	}
	return nil
}

// canonicalEvents upper-cases events, checks each (entity, action) pair and
// drops repeats.
func canonicalEvents(events []registry.WebhookEvent) ([]registry.WebhookEvent, error) {
	if len(events) == 0 {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "Webhook events must be a non-empty list of WebhookEvent objects.")
	}
	seen := map[registry.WebhookEvent]bool{}
	var out []registry.WebhookEvent
	for _, e := range events {
		e = canonicalEvent(e)
		actions, ok := webhookActions[e.Entity]
		if !ok {
			return nil, weir.Errorf(weir.ErrInvalidParameterValue, "Invalid webhook event entity '%s'.", e.Entity)
		}
		valid := false
		for _, a := range actions {
			valid = valid || a == e.Action
		}
		if !valid {
			return nil, weir.Errorf(weir.ErrInvalidParameterValue,
				"Invalid action '%s' for entity '%s'. Valid actions are: ['%s']",
				strings.ToLower(e.Action), strings.ToLower(e.Entity), strings.ToLower(strings.Join(actions, "', '")))
		}
		if !seen[e] {
			seen[e] = true
			out = append(out, e)
		}
	}
	return out, nil
}

// canonicalEvent spells an event as the wire does: upper case.
func canonicalEvent(e registry.WebhookEvent) registry.WebhookEvent {
	return registry.WebhookEvent{Entity: strings.ToUpper(strings.TrimSpace(e.Entity)), Action: strings.ToUpper(strings.TrimSpace(e.Action))}
}

// validateWebhookStatus accepts "" (ACTIVE), ACTIVE and DISABLED.
func validateWebhookStatus(status string) (string, error) {
	switch status {
	case "":
		return registry.WebhookActive, nil
	case registry.WebhookActive, registry.WebhookDisabled:
		return status, nil
	}
	return "", weir.Errorf(weir.ErrInvalidParameterValue, "Invalid webhook status '%s'. Valid values are ACTIVE and DISABLED.", status)
}

func noWebhook(id string) error {
	return weir.Errorf(weir.ErrResourceDoesNotExist, "Webhook with ID %s not found.", id)
}

// CreateWebhook stores a webhook. Its Secret is kept for delivery but never
// returned by GetWebhook or ListWebhooks.
func (s *RegistryService) CreateWebhook(ctx context.Context, w registry.Webhook) (hook *registry.Webhook, err error) {
	defer weir.Wrap(&err, "CreateWebhook(%q)", w.Name)
	if err := validateWebhookName(w.Name); err != nil {
		return nil, err
	}
	if err := validateWebhookURL(w.URL); err != nil {
		return nil, err
	}
	events, err := canonicalEvents(w.Events)
	if err != nil {
		return nil, err
	}
	status, err := validateWebhookStatus(w.Status)
	if err != nil {
		return nil, err
	}
	id, err := newRunID()
	if err != nil {
		return nil, err
	}
	db := s.db
	err = db.writeTx(ctx, func(tx *txn) error {
		now := db.nowMillis()
		if _, err := tx.exec(ctx, `INSERT INTO webhooks
			(webhook_id, name, description, url, status, secret, creation_timestamp, last_updated_timestamp)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, id, w.Name, w.Description, w.URL, status, w.Secret, now, now); err != nil {
			return err
		}
		if err := putWebhookEvents(ctx, tx, id, events); err != nil {
			return err
		}
		hook, err = getWebhook(ctx, tx, id, false)
		return err
	})
	return hook, err
}

// putWebhookEvents replaces the events of a webhook.
func putWebhookEvents(ctx context.Context, tx *txn, id string, events []registry.WebhookEvent) error {
	if _, err := tx.exec(ctx, `DELETE FROM webhook_events WHERE webhook_id = ?`, id); err != nil {
		return err
	}
	for _, e := range events {
		if _, err := tx.exec(ctx, `INSERT INTO webhook_events (webhook_id, entity, action) VALUES (?, ?, ?)`,
			id, e.Entity, e.Action); err != nil {
			return err
		}
	}
	return nil
}

// webhookColumns are the columns of webhooks w in the order queryWebhooks scans them.
const webhookColumns = `w.webhook_id, w.name, w.description, w.url, w.status, w.secret, w.creation_timestamp, w.last_updated_timestamp`

// queryWebhooks returns the webhooks selected by the SQL tail on webhooks w,
// with their events, and their secrets only when withSecret is set.
func queryWebhooks(ctx context.Context, tx *txn, withSecret bool, tail string, args ...any) ([]*registry.Webhook, error) {
	var hooks []*registry.Webhook
	byID := map[string]*registry.Webhook{}
	err := tx.each(ctx, `SELECT `+webhookColumns+` FROM webhooks w `+tail, args, func(rows *sql.Rows) error {
		var h registry.Webhook
		if err := rows.Scan(&h.ID, &h.Name, &h.Description, &h.URL, &h.Status, &h.Secret,
			&h.CreationTimestamp, &h.LastUpdatedTimestamp); err != nil {
			return err
		}
		if !withSecret {
			h.Secret = ""
		}
		hooks = append(hooks, &h)
		byID[h.ID] = &h
		return nil
	})
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(hooks))
	for i, h := range hooks {
		ids[i] = h.ID
	}
	err = forChunks(ids, func(chunk []any) error {
		return tx.each(ctx, `SELECT webhook_id, entity, action FROM webhook_events WHERE webhook_id IN (`+
			placeholders(len(chunk))+`) ORDER BY webhook_id, entity, action`, chunk, func(rows *sql.Rows) error {
			var id string
			var e registry.WebhookEvent
			if err := rows.Scan(&id, &e.Entity, &e.Action); err != nil {
				return err
			}
			if h := byID[id]; h != nil {
				h.Events = append(h.Events, e)
			}
			return nil
		})
	})
	return hooks, err
}

// getWebhook returns one webhook or RESOURCE_DOES_NOT_EXIST.
func getWebhook(ctx context.Context, tx *txn, id string, withSecret bool) (*registry.Webhook, error) {
	hooks, err := queryWebhooks(ctx, tx, withSecret, `WHERE w.webhook_id = ?`, id)
	if err != nil {
		return nil, err
	}
	if len(hooks) == 0 {
		return nil, noWebhook(id)
	}
	return hooks[0], nil
}

// ListWebhooks returns a page of webhooks, newest first, without secrets.
func (s *RegistryService) ListWebhooks(ctx context.Context, maxResults int, pageToken string) (hooks []*registry.Webhook, next string, err error) {
	defer weir.Wrap(&err, "ListWebhooks")
	if maxResults == 0 {
		maxResults = defaultWebhookResults
	}
	if maxResults < 1 || maxResults > maxWebhookResults {
		return nil, "", weir.Errorf(weir.ErrInvalidParameterValue, "max_results must be between 1 and %d.", maxWebhookResults)
	}
	offset, err := tracking.DecodePageToken(pageToken)
	if err != nil {
		return nil, "", err
	}
	err = s.db.readTx(ctx, func(tx *txn) error {
		hooks, err = queryWebhooks(ctx, tx, false, `ORDER BY w.creation_timestamp DESC, w.webhook_id LIMIT ? OFFSET ?`,
			maxResults+1, offset)
		if len(hooks) > maxResults {
			hooks = hooks[:maxResults]
			next = tracking.EncodePageToken(offset + maxResults)
		}
		return err
	})
	if err != nil {
		return nil, "", err
	}
	if hooks == nil {
		hooks = []*registry.Webhook{}
	}
	return hooks, next, nil
}

// GetWebhook returns a webhook without its secret.
func (s *RegistryService) GetWebhook(ctx context.Context, id string) (hook *registry.Webhook, err error) {
	defer weir.Wrap(&err, "GetWebhook(%q)", id)
	err = s.db.readTx(ctx, func(tx *txn) error {
		hook, err = getWebhook(ctx, tx, id, false)
		return err
	})
	return hook, err
}

// UpdateWebhook changes the fields of u that are set and returns the webhook
// without its secret.
func (s *RegistryService) UpdateWebhook(ctx context.Context, id string, u registry.WebhookUpdate) (hook *registry.Webhook, err error) {
	defer weir.Wrap(&err, "UpdateWebhook(%q)", id)
	var sets []string
	var args []any
	set := func(col string, v any) { sets, args = append(sets, col+" = ?"), append(args, v) }
	if u.Name != nil {
		if err := validateWebhookName(*u.Name); err != nil {
			return nil, err
		}
		set("name", *u.Name)
	}
	if u.Description != nil {
		set("description", *u.Description)
	}
	if u.URL != nil {
		if err := validateWebhookURL(*u.URL); err != nil {
			return nil, err
		}
		set("url", *u.URL)
	}
	if u.Secret != nil {
		set("secret", *u.Secret)
	}
	if u.Status != nil {
		if *u.Status == "" {
			return nil, weir.Errorf(weir.ErrInvalidParameterValue, "Invalid webhook status ''. Valid values are ACTIVE and DISABLED.")
		}
		status, err := validateWebhookStatus(*u.Status)
		if err != nil {
			return nil, err
		}
		set("status", status)
	}
	var events []registry.WebhookEvent
	if u.Events != nil {
		if events, err = canonicalEvents(u.Events); err != nil {
			return nil, err
		}
	}
	db := s.db
	err = db.writeTx(ctx, func(tx *txn) error {
		set("last_updated_timestamp", db.nowMillis())
		res, err := tx.exec(ctx, `UPDATE webhooks SET `+strings.Join(sets, ", ")+` WHERE webhook_id = ?`, append(args, id)...)
		if err != nil {
			return err
		}
		if err := mustAffect(res, noWebhook(id)); err != nil {
			return err
		}
		if events != nil {
			if err := putWebhookEvents(ctx, tx, id, events); err != nil {
				return err
			}
		}
		hook, err = getWebhook(ctx, tx, id, false)
		return err
	})
	return hook, err
}

// DeleteWebhook deletes a webhook and its subscriptions.
func (s *RegistryService) DeleteWebhook(ctx context.Context, id string) (err error) {
	defer weir.Wrap(&err, "DeleteWebhook(%q)", id)
	return s.db.writeTx(ctx, func(tx *txn) error {
		res, err := tx.exec(ctx, `DELETE FROM webhooks WHERE webhook_id = ?`, id)
		if err != nil {
			return err
		}
		return mustAffect(res, noWebhook(id))
	})
}

// WebhooksFor returns the active webhooks subscribed to an event, with their
// secrets, for delivery, oldest first.
func (s *RegistryService) WebhooksFor(ctx context.Context, e registry.WebhookEvent) (hooks []*registry.Webhook, err error) {
	defer weir.Wrap(&err, "WebhooksFor(%s.%s)", e.Entity, e.Action)
	e = canonicalEvent(e)
	err = s.db.readTx(ctx, func(tx *txn) error {
		hooks, err = queryWebhooks(ctx, tx, true, `WHERE w.status = 'ACTIVE' AND w.webhook_id IN
			(SELECT x.webhook_id FROM webhook_events x WHERE x.entity = ? AND x.action = ?)
			ORDER BY w.creation_timestamp, w.webhook_id`, e.Entity, e.Action)
		return err
	})
	if hooks == nil {
		hooks = []*registry.Webhook{}
	}
	return hooks, err
}
