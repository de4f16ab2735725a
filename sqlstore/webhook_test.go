package sqlstore

import (
	"context"
	"fmt"
	"slices"
	"testing"

	weir "github.com/weir-ml/weir"
	"github.com/weir-ml/weir/registry"
)

func ptr[T any](v T) *T { return &v }

func testWebhooks(t *testing.T, f *fixture) {
	ctx := context.Background()
	created := registry.WebhookEvent{Entity: "MODEL_VERSION", Action: "CREATED"}
	tagSet := registry.WebhookEvent{Entity: "model_version_tag", Action: "set"}
	h, err := f.reg.CreateWebhook(ctx, registry.Webhook{Name: "ci-hook", Description: "d", URL: "https://ci.example/hook",
		Events: []registry.WebhookEvent{created, tagSet, created}, Secret: "s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	wantEvents := []registry.WebhookEvent{created, {Entity: "MODEL_VERSION_TAG", Action: "SET"}}
	if len(h.ID) != 32 || h.Status != registry.WebhookActive || h.Secret != "" || !slices.Equal(h.Events, wantEvents) ||
		h.CreationTimestamp == 0 || h.CreationTimestamp != h.LastUpdatedTimestamp {
		t.Errorf("created %+v, want an id, ACTIVE, no secret shown, events %v", h, wantEvents)
	}
	got, err := f.reg.GetWebhook(ctx, h.ID)
	if err != nil || got.Secret != "" || got.Name != "ci-hook" || got.Description != "d" {
		t.Errorf("GetWebhook = %+v, %v", got, err)
	}
	for _, e := range []registry.WebhookEvent{created, {Entity: "model_version", Action: "created"}} {
		hooks, err := f.reg.WebhooksFor(ctx, e)
		if err != nil || len(hooks) != 1 || hooks[0].Secret != "s3cret" {
			t.Errorf("WebhooksFor(%v) = %v, %v; want the hook with its secret", e, hooks, err)
		}
	}
	if hooks, _ := f.reg.WebhooksFor(ctx, registry.WebhookEvent{Entity: "REGISTERED_MODEL", Action: "CREATED"}); len(hooks) != 0 {
		t.Errorf("WebhooksFor an event not subscribed to = %v", hooks)
	}

	up, err := f.reg.UpdateWebhook(ctx, h.ID, registry.WebhookUpdate{Status: ptr(registry.WebhookDisabled),
		Events: []registry.WebhookEvent{{Entity: "REGISTERED_MODEL", Action: "CREATED"}}, Secret: ptr("new")})
	if err != nil {
		t.Fatal(err)
	}
	if up.Status != registry.WebhookDisabled || up.Name != "ci-hook" || up.URL != "https://ci.example/hook" ||
		len(up.Events) != 1 || up.Secret != "" || up.LastUpdatedTimestamp <= h.LastUpdatedTimestamp {
		t.Errorf("updated = %+v", up)
	}
	if hooks, _ := f.reg.WebhooksFor(ctx, registry.WebhookEvent{Entity: "REGISTERED_MODEL", Action: "CREATED"}); len(hooks) != 0 {
		t.Errorf("a disabled hook is delivered to: %v", hooks)
	}
	if _, err := f.reg.UpdateWebhook(ctx, h.ID, registry.WebhookUpdate{Status: ptr(registry.WebhookActive), Name: ptr("renamed")}); err != nil {
		t.Fatal(err)
	}
	hooks, _ := f.reg.WebhooksFor(ctx, registry.WebhookEvent{Entity: "REGISTERED_MODEL", Action: "CREATED"})
	if len(hooks) != 1 || hooks[0].Secret != "new" || hooks[0].Name != "renamed" {
		t.Errorf("after re-enabling: %v", hooks)
	}

	// Paging, newest first.
	ids := []string{h.ID}
	for i := range 4 {
		h, err := f.reg.CreateWebhook(ctx, registry.Webhook{Name: fmt.Sprintf("h%d", i), URL: "http://x", Events: []registry.WebhookEvent{created}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append([]string{h.ID}, ids...)
	}
	var listed []string
	token := ""
	for {
		page, next, err := f.reg.ListWebhooks(ctx, 2, token)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range page {
			if h.Secret != "" {
				t.Errorf("ListWebhooks shows a secret")
			}
			listed = append(listed, h.ID)
		}
		if next == "" {
			break
		}
		token = next
	}
	if !slices.Equal(listed, ids) {
		t.Errorf("listed %v, want %v", listed, ids)
	}
	if err := f.reg.DeleteWebhook(ctx, h.ID); err != nil {
		t.Fatal(err)
	}
	missing := []struct {
		op string
		fn func() error
	}{
		{"Get", func() error { _, err := f.reg.GetWebhook(ctx, h.ID); return err }},
		{"Update", func() error {
			_, err := f.reg.UpdateWebhook(ctx, h.ID, registry.WebhookUpdate{Description: ptr("x")})
			return err
		}},
		{"Delete", func() error { return f.reg.DeleteWebhook(ctx, h.ID) }},
	}
	for _, tt := range missing {
		if got := weir.ErrorCode(tt.fn()); got != weir.ErrResourceDoesNotExist {
			t.Errorf("%s of a deleted webhook: code %q", tt.op, got)
		}
	}
}

func testWebhookValidation(t *testing.T, f *fixture) {
	ctx := context.Background()
	ok := registry.Webhook{Name: "ok", URL: "http://h/x", Events: []registry.WebhookEvent{{Entity: "MODEL_VERSION", Action: "CREATED"}}}
	tests := []struct {
		name   string
		change func(*registry.Webhook)
	}{
		{"empty name", func(w *registry.Webhook) { w.Name = "" }},
		{"name with space", func(w *registry.Webhook) { w.Name = "a b" }},
		{"name ending with dash", func(w *registry.Webhook) { w.Name = "a-" }},
		{"long name", func(w *registry.Webhook) { w.Name = fmt.Sprintf("%064d", 1) }},
		{"empty url", func(w *registry.Webhook) { w.URL = " " }},
		{"ftp url", func(w *registry.Webhook) { w.URL = "ftp://h/x" }},
		{"no host", func(w *registry.Webhook) { w.URL = "http:///x" }},
		{"no events", func(w *registry.Webhook) { w.Events = nil }},
		{"bad entity", func(w *registry.Webhook) { w.Events = []registry.WebhookEvent{{Entity: "RUN", Action: "CREATED"}} }},
		{"bad action", func(w *registry.Webhook) {
			w.Events = []registry.WebhookEvent{{Entity: "REGISTERED_MODEL", Action: "DELETED"}}
		}},
		{"bad status", func(w *registry.Webhook) { w.Status = "PAUSED" }},
	}
	for _, tt := range tests {
		w := ok
		tt.change(&w)
		if _, err := f.reg.CreateWebhook(ctx, w); weir.ErrorCode(err) != weir.ErrInvalidParameterValue {
			t.Errorf("%s: CreateWebhook error %v, want INVALID_PARAMETER_VALUE", tt.name, err)
		}
	}
	h, err := f.reg.CreateWebhook(ctx, ok)
	if err != nil {
		t.Fatal(err)
	}
	updates := []registry.WebhookUpdate{
		{Name: ptr("bad name")}, {URL: ptr("file:///etc")}, {Status: ptr("")}, {Events: []registry.WebhookEvent{}},
	}
	for _, u := range updates {
		if _, err := f.reg.UpdateWebhook(ctx, h.ID, u); weir.ErrorCode(err) != weir.ErrInvalidParameterValue {
			t.Errorf("UpdateWebhook(%+v) error %v, want INVALID_PARAMETER_VALUE", u, err)
		}
	}
	for _, n := range []int{-1, 1001} {
		if _, _, err := f.reg.ListWebhooks(ctx, n, ""); weir.ErrorCode(err) != weir.ErrInvalidParameterValue {
			t.Errorf("ListWebhooks(%d): %v", n, err)
		}
	}
}
