package httpapi

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/weir-ml/weir/registry"
)

// The Client's webhook methods match registry.WebhookService except
// WebhooksFor, which needs the secrets that the API never returns.

type wireWebhook struct {
	WebhookID   string `json:"webhook_id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	URL         string `json:"url"`
	Events      []struct {
		Entity enum `json:"entity"`
		Action enum `json:"action"`
	} `json:"events"`
	Status               enum `json:"status"`
	CreationTimestamp    i64  `json:"creation_timestamp"`
	LastUpdatedTimestamp i64  `json:"last_updated_timestamp"`
}

func (h *wireWebhook) webhook() *registry.Webhook {
	out := &registry.Webhook{ID: h.WebhookID, Name: h.Name, Description: h.Description, URL: h.URL,
		Status: h.Status.V, CreationTimestamp: h.CreationTimestamp.V, LastUpdatedTimestamp: h.LastUpdatedTimestamp.V}
	if st, ok := enumName(h.Status, webhookStatusNames); ok {
		out.Status = st
	}
	for _, e := range h.Events {
		ev := registry.WebhookEvent{Entity: e.Entity.V, Action: e.Action.V}
		if name, ok := enumName(e.Entity, webhookEntityNames); ok {
			ev.Entity = name
		}
		if name, ok := enumName(e.Action, webhookActionNames); ok {
			ev.Action = name
		}
		out.Events = append(out.Events, ev)
	}
	return out
}

func (w *jsonWriter) webhookEvents(events []registry.WebhookEvent) {
	w.arrayField("events")
	for _, e := range events {
		w.element()
		w.stringField("entity", e.Entity)
		w.stringField("action", e.Action)
		w.closeObject()
	}
	w.closeArray()
}

func webhookPath(id string) string { return "/mlflow/webhooks/" + url.PathEscape(id) }

func (c *Client) webhookCall(ctx context.Context, method, path string, body []byte) (*registry.Webhook, error) {
	var out struct {
		Webhook wireWebhook `json:"webhook"`
	}
	if err := c.do(ctx, method, path, nil, body, &out); err != nil {
		return nil, err
	}
	return out.Webhook.webhook(), nil
}

// CreateWebhook registers a webhook; the answer never carries the secret.
func (c *Client) CreateWebhook(ctx context.Context, h registry.Webhook) (*registry.Webhook, error) {
	return c.webhookCall(ctx, http.MethodPost, "/mlflow/webhooks", body(func(w *jsonWriter) {
		w.stringField("name", h.Name)
		w.optStringField("description", h.Description)
		w.stringField("url", h.URL)
		w.webhookEvents(h.Events)
		w.optStringField("secret", h.Secret)
		w.optStringField("status", h.Status)
	}))
}

// ListWebhooks returns a page of webhooks; maxResults 0 means the server's
// default.
func (c *Client) ListWebhooks(ctx context.Context, maxResults int, pageToken string) ([]*registry.Webhook, string, error) {
	q := url.Values{}
	if maxResults != 0 {
		q.Set("max_results", strconv.Itoa(maxResults))
	}
	if pageToken != "" {
		q.Set("page_token", pageToken)
	}
	var out struct {
		Webhooks      []wireWebhook `json:"webhooks"`
		NextPageToken string        `json:"next_page_token"`
	}
	if err := c.get(ctx, "/mlflow/webhooks", q, &out); err != nil {
		return nil, "", err
	}
	hooks := make([]*registry.Webhook, len(out.Webhooks))
	for i := range out.Webhooks {
		hooks[i] = out.Webhooks[i].webhook()
	}
	return hooks, out.NextPageToken, nil
}

// GetWebhook returns one webhook, without its secret.
func (c *Client) GetWebhook(ctx context.Context, id string) (*registry.Webhook, error) {
	return c.webhookCall(ctx, http.MethodGet, webhookPath(id), nil)
}

// UpdateWebhook changes the fields of u that are set. As on MLflow's
// wire, an empty Name, URL or Events cannot be sent: they mean "keep".
func (c *Client) UpdateWebhook(ctx context.Context, id string, u registry.WebhookUpdate) (*registry.Webhook, error) {
	return c.webhookCall(ctx, http.MethodPatch, webhookPath(id), body(func(w *jsonWriter) {
		if u.Name != nil {
			w.stringField("name", *u.Name)
		}
		if u.Description != nil {
			w.stringField("description", *u.Description)
		}
		if u.URL != nil {
			w.stringField("url", *u.URL)
		}
		if len(u.Events) > 0 {
			w.webhookEvents(u.Events)
		}
		if u.Secret != nil {
			w.stringField("secret", *u.Secret)
		}
		if u.Status != nil {
			w.stringField("status", *u.Status)
		}
	}))
}

// DeleteWebhook deletes a webhook.
func (c *Client) DeleteWebhook(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, webhookPath(id), nil, nil, nil)
}

// TestWebhook has the server send a test delivery for event (the
// webhook's first event when nil) and returns the receiver's answer.
func (c *Client) TestWebhook(ctx context.Context, id string, event *registry.WebhookEvent) (*registry.WebhookTestResult, error) {
	var out struct {
		Result struct {
			Success        bool   `json:"success"`
			ResponseStatus i64    `json:"response_status"`
			ResponseBody   string `json:"response_body"`
			ErrorMessage   string `json:"error_message"`
		} `json:"result"`
	}
	err := c.post(ctx, webhookPath(id)+"/test", body(func(w *jsonWriter) {
		if event != nil {
			w.objectField("event")
			w.stringField("entity", event.Entity)
			w.stringField("action", event.Action)
			w.closeObject()
		}
	}), &out)
	if err != nil {
		return nil, err
	}
	r := out.Result
	return &registry.WebhookTestResult{Success: r.Success, ResponseStatus: int(r.ResponseStatus.V),
		ResponseBody: r.ResponseBody, ErrorMessage: r.ErrorMessage}, nil
}
