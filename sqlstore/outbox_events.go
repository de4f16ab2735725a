package sqlstore

import (
	"context"
	"strings"

	"github.com/weir-ml/weir/registry"
	"github.com/weir-ml/weir/webhook"
)

// The registry changes that webhooks hear about, each raised in the
// transaction of its change (see raise). A registered model tagged as a
// prompt announces the PROMPT_* twin of each event, as MLflow's server does.

func raiseModelCreated(ctx context.Context, tx *txn, now int64, name, description string, tags []registry.Tag) error {
	if isPromptVersion(tags) {
		return raise(ctx, tx, now, webhook.PromptCreated, webhook.RegisteredModelCreated{Name: name,
			Tags: payloadTags(tags, webhook.PromptTag, webhook.PromptTypeTag), Description: &description})
	}
	return raise(ctx, tx, now, webhook.ModelCreated,
		webhook.RegisteredModelCreated{Name: name, Tags: payloadTags(tags), Description: &description})
}

func raiseVersionCreated(ctx context.Context, tx *txn, now int64, c registry.VersionCreate, version string) error {
	// Whether a version is a prompt's is told by its own tags, as in MLflow.
	if isPromptVersion(c.Tags) {
		return raise(ctx, tx, now, webhook.PromptVersionCreated, webhook.PromptVersionCreatedData{Name: c.Name,
			Version: version, Template: promptTemplate(c.Tags),
			Tags:        payloadTags(c.Tags, webhook.PromptTag, webhook.PromptTypeTag, webhook.PromptTextTag),
			Description: optional(c.Description)})
	}
	return raise(ctx, tx, now, webhook.VersionCreated, webhook.ModelVersionCreated{Name: c.Name, Version: version,
		Source: c.Source, RunID: optional(c.RunID), Tags: payloadTags(c.Tags), Description: optional(c.Description)})
}

// raiseAbout raises modelEv for a model named name, promptEv for a prompt,
// as the model's tags are in tx; an empty event raises nothing.
func raiseAbout(ctx context.Context, tx *txn, now int64, name string, modelEv, promptEv webhook.Event, data any) error {
	prompt, err := modelIsPrompt(ctx, tx, name)
	if err != nil {
		return err
	}
	ev := modelEv
	if prompt {
		ev = promptEv
	}
	if ev.Entity == "" {
		return nil
	}
	return raise(ctx, tx, now, ev, data)
}

// modelIsPrompt reports whether the registered model called name is tagged
// as a prompt.
func modelIsPrompt(ctx context.Context, tx *txn, name string) (bool, error) {
	var v string
	err := tx.scanOne(ctx, `SELECT value FROM registered_model_tags WHERE name = ? AND key = ?`, []any{name, promptTag}, &v)
	if isNoRows(err) {
		return false, nil
	}
	return err == nil && strings.EqualFold(v, "true"), err
}

// payloadTags turns tags into the JSON object payloads carry, without the
// keys in drop; never nil, so an empty set encodes as {}.
func payloadTags(tags []registry.Tag, drop ...string) map[string]string {
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		keep := true
		for _, d := range drop {
			keep = keep && t.Key != d
		}
		if keep {
			m[t.Key] = t.Value
		}
	}
	return m
}

// promptTemplate returns the template a prompt version's tags carry.
func promptTemplate(tags []registry.Tag) *string {
	var text *string
	for _, t := range tags {
		if t.Key == webhook.PromptTextTag {
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
