package httpapi

import "github.com/weir-ml/weir/registry"

// This file writes registry entities as MLflow's server does. MLflow's SQL
// store always sets a version's description, run_id and run_link (empty
// when unknown) and leaves user_id unset, so those are written the same way.

func (w *jsonWriter) registeredModel(m *registry.RegisteredModel) {
	w.openObject()
	w.stringField("name", m.Name)
	w.intField("creation_timestamp", m.CreationTimestamp)
	if m.LastUpdatedTimestamp != 0 {
		w.intField("last_updated_timestamp", m.LastUpdatedTimestamp)
	}
	w.optStringField("user_id", m.UserID)
	w.optStringField("description", m.Description)
	if len(m.LatestVersions) > 0 {
		w.arrayField("latest_versions")
		for i := range m.LatestVersions {
			w.comma()
			w.modelVersion(&m.LatestVersions[i])
		}
		w.closeArray()
	}
	w.tags("tags", m.Tags)
	if len(m.Aliases) > 0 {
		w.arrayField("aliases")
		for _, a := range m.Aliases {
			w.element()
			w.stringField("alias", a.Alias)
			w.stringField("version", a.Version)
			w.closeObject()
		}
		w.closeArray()
	}
	w.closeObject()
}

func (w *jsonWriter) modelVersion(v *registry.ModelVersion) {
	w.openObject()
	w.stringField("name", v.Name)
	w.stringField("version", v.Version)
	w.intField("creation_timestamp", v.CreationTimestamp)
	if v.LastUpdatedTimestamp != 0 {
		w.intField("last_updated_timestamp", v.LastUpdatedTimestamp)
	}
	w.optStringField("user_id", v.UserID)
	w.optStringField("current_stage", v.CurrentStage)
	w.stringField("description", v.Description)
	w.stringField("source", v.Source)
	w.stringField("run_id", v.RunID)
	w.optStringField("status", v.Status)
	w.optStringField("status_message", v.StatusMessage)
	w.tags("tags", v.Tags)
	w.stringField("run_link", v.RunLink)
	w.stringList("aliases", v.Aliases)
	w.optStringField("model_id", v.ModelID)
	w.closeObject()
}

// writeRegisteredModel writes {"registered_model": m}.
func writeRegisteredModel(w *jsonWriter, m *registry.RegisteredModel) {
	w.openObject()
	w.key("registered_model")
	w.registeredModel(m)
	w.closeObject()
}

// writeModelVersion writes {"model_version": v}.
func writeModelVersion(w *jsonWriter, v *registry.ModelVersion) {
	w.openObject()
	w.key("model_version")
	w.modelVersion(v)
	w.closeObject()
}

// writeModelVersions writes {"model_versions": [...], "next_page_token"}.
func writeModelVersions(w *jsonWriter, versions []*registry.ModelVersion, next string) {
	w.openObject()
	if len(versions) > 0 {
		w.arrayField("model_versions")
		for _, v := range versions {
			w.comma()
			w.modelVersion(v)
		}
		w.closeArray()
	}
	w.optStringField("next_page_token", next)
	w.closeObject()
}
