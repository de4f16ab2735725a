package httpapi

import (
	"net/http"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/artifact"
	"github.com/weir-ml/weir/tracking"
)

// needLoggedModels answers 404 ENDPOINT_NOT_FOUND when the server keeps no
// logged models.
func (s *Server) needLoggedModels(fn apiFunc) apiFunc {
	return func(w *jsonWriter, r *http.Request) error {
		if s.LoggedModels == nil {
			return notServed(r)
		}
		return fn(w, r)
	}
}

// loggedModelStatuses are LoggedModelStatus names by enum number.
var loggedModelStatuses = []string{"LOGGED_MODEL_STATUS_UNSPECIFIED",
	tracking.LoggedModelPending, tracking.LoggedModelReady, tracking.LoggedModelUploadFailed}

func (s *Server) createLoggedModel(w *jsonWriter, r *http.Request) error {
	var req struct {
		ExperimentID str       `json:"experiment_id"`
		Name         str       `json:"name"`
		ModelType    str       `json:"model_type"`
		SourceRunID  str       `json:"source_run_id"`
		Params       []wireTag `json:"params"`
		Tags         []wireTag `json:"tags"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	var v validator
	c := tracking.LoggedModelCreate{
		ExperimentID: v.reqStr("experiment_id", req.ExperimentID),
		Name:         v.str("name", req.Name),
		ModelType:    v.str("model_type", req.ModelType),
		SourceRunID:  v.str("source_run_id", req.SourceRunID),
		Params:       v.params("params", req.Params),
		Tags:         v.tags("tags", req.Tags),
	}
	if v.err != nil {
		return v.err
	}
	m, err := s.LoggedModels.CreateLoggedModel(r.Context(), c)
	if err != nil {
		return err
	}
	writeLoggedModel(w, m)
	return nil
}

// params converts request params, checking that keys and values are strings.
func (v *validator) params(name string, items []wireTag) []tracking.Param {
	tags := v.tags(name, items)
	if tags == nil {
		return nil
	}
	out := make([]tracking.Param, len(tags))
	for i, t := range tags {
		out[i] = tracking.Param{Key: t.Key, Value: t.Value}
	}
	return out
}

func (s *Server) getLoggedModel(w *jsonWriter, r *http.Request) error {
	m, err := s.LoggedModels.GetLoggedModel(r.Context(), r.PathValue("model_id"))
	if err != nil {
		return err
	}
	writeLoggedModel(w, m)
	return nil
}

// finalizeLoggedModel sets the status; the model ID comes from the path
// (MLflow's client also repeats it in the body).
func (s *Server) finalizeLoggedModel(w *jsonWriter, r *http.Request) error {
	var req struct {
		Status enum `json:"status"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	var v validator
	status := v.loggedModelStatus(req.Status)
	if v.err != nil {
		return v.err
	}
	m, err := s.LoggedModels.FinalizeLoggedModel(r.Context(), r.PathValue("model_id"), status)
	if err != nil {
		return err
	}
	writeLoggedModel(w, m)
	return nil
}

// loggedModelStatus validates a required final status, by name or number.
func (v *validator) loggedModelStatus(f enum) string {
	switch {
	case f.bad != nil:
		v.badType("status", f.bad)
		return ""
	case !f.Set:
		v.missing("status")
		return ""
	}
	if st, ok := enumName(f, loggedModelStatuses); ok {
		return st
	}
	v.fail(invalidValue("status", quoteJSON(f.V), "must be one of LOGGED_MODEL_PENDING, LOGGED_MODEL_READY or LOGGED_MODEL_UPLOAD_FAILED.") + docsHint)
	return ""
}

func (s *Server) deleteLoggedModel(w *jsonWriter, r *http.Request) error {
	return s.LoggedModels.DeleteLoggedModel(r.Context(), r.PathValue("model_id"))
}

// setLoggedModelTags answers with the updated model, as the protocol
// declares; MLflow's own server answers {} and its client ignores the body.
func (s *Server) setLoggedModelTags(w *jsonWriter, r *http.Request) error {
	var req struct {
		Tags []wireTag `json:"tags"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	var v validator
	tags := v.tags("tags", req.Tags)
	if v.err != nil {
		return v.err
	}
	m, err := s.LoggedModels.SetLoggedModelTags(r.Context(), r.PathValue("model_id"), tags)
	if err != nil {
		return err
	}
	if m != nil {
		writeLoggedModel(w, m)
	}
	return nil
}

func (s *Server) deleteLoggedModelTag(w *jsonWriter, r *http.Request) error {
	return s.LoggedModels.DeleteLoggedModelTag(r.Context(), r.PathValue("model_id"), r.PathValue("tag_key"))
}

func (s *Server) logLoggedModelParams(w *jsonWriter, r *http.Request) error {
	var req struct {
		Params []wireTag `json:"params"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	var v validator
	params := v.params("params", req.Params)
	if v.err != nil {
		return v.err
	}
	return s.LoggedModels.LogLoggedModelParams(r.Context(), r.PathValue("model_id"), params)
}

// wireOrderBy is one ordering key of a logged-model search.
type wireOrderBy struct {
	FieldName     str  `json:"field_name"`
	Ascending     flag `json:"ascending"`
	DatasetName   str  `json:"dataset_name"`
	DatasetDigest str  `json:"dataset_digest"`
}

// wireDatasetRef names a dataset that scopes metric filters.
type wireDatasetRef struct {
	DatasetName   str `json:"dataset_name"`
	DatasetDigest str `json:"dataset_digest"`
}

func (s *Server) searchLoggedModels(w *jsonWriter, r *http.Request) error {
	var req struct {
		ExperimentIDs strs             `json:"experiment_ids"`
		Filter        str              `json:"filter"`
		Datasets      []wireDatasetRef `json:"datasets"`
		MaxResults    i64              `json:"max_results"`
		OrderBy       []wireOrderBy    `json:"order_by"`
		PageToken     str              `json:"page_token"`
	}
	if err := decode(r, &req, "experiment_ids"); err != nil {
		return err
	}
	var v validator
	q := tracking.LoggedModelSearch{
		ExperimentIDs: v.strs("experiment_ids", req.ExperimentIDs),
		Filter:        v.str("filter", req.Filter),
		MaxResults:    int(v.i64("max_results", req.MaxResults)),
		PageToken:     v.str("page_token", req.PageToken),
	}
	if req.MaxResults.Set && req.MaxResults.V < 1 {
		v.maxResults(req.MaxResults.V, 1<<31-1)
	}
	for i, d := range req.Datasets {
		name := d.DatasetName.V
		if d.DatasetName.bad == nil && name == "" {
			v.missing(itemName("datasets", i, "dataset_name"))
		}
		v.itemStr("datasets", i, "dataset_name", d.DatasetName)
		v.itemStr("datasets", i, "dataset_digest", d.DatasetDigest)
		q.Datasets = append(q.Datasets, tracking.Dataset{Name: name, Digest: d.DatasetDigest.V})
	}
	for i, o := range req.OrderBy {
		if o.FieldName.bad == nil && o.FieldName.V == "" {
			v.missing(itemName("order_by", i, "field_name"))
		}
		v.itemStr("order_by", i, "field_name", o.FieldName)
		if o.Ascending.bad != nil {
			v.badType(itemName("order_by", i, "ascending"), o.Ascending.bad)
		}
		v.itemStr("order_by", i, "dataset_name", o.DatasetName)
		v.itemStr("order_by", i, "dataset_digest", o.DatasetDigest)
		q.OrderBy = append(q.OrderBy, tracking.LoggedModelOrder{
			FieldName: o.FieldName.V,
			// Proto2 default: an ordering is ascending unless it says not.
			Ascending:     o.Ascending.V || !o.Ascending.Set,
			DatasetName:   o.DatasetName.V,
			DatasetDigest: o.DatasetDigest.V,
		})
	}
	if v.err != nil {
		return v.err
	}
	models, next, err := s.LoggedModels.SearchLoggedModels(r.Context(), q)
	if err != nil {
		return err
	}
	w.openObject()
	if len(models) > 0 {
		w.arrayField("models")
		for _, m := range models {
			w.comma()
			w.loggedModel(m)
		}
		w.closeArray()
	}
	w.optStringField("next_page_token", next)
	w.closeObject()
	return nil
}

// listLoggedModelArtifacts lists a directory of a logged model's files,
// which live under its artifact URI like a run's: proxied URIs are listed
// from Server.Artifacts, others are for clients to read directly.
func (s *Server) listLoggedModelArtifacts(w *jsonWriter, r *http.Request) error {
	var req struct {
		Path      str `json:"artifact_directory_path"`
		PageToken str `json:"page_token"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	var v validator
	rel := v.str("artifact_directory_path", req.Path)
	v.str("page_token", req.PageToken)
	if v.err != nil {
		return v.err
	}
	rel, err := artifact.CleanPath(rel)
	if err != nil {
		return err
	}
	m, err := s.LoggedModels.GetLoggedModel(r.Context(), r.PathValue("model_id"))
	if err != nil {
		return err
	}
	w.openObject()
	w.stringField("root_uri", m.ArtifactURI)
	// As for runs (listArtifacts): roots the server cannot read are read
	// by clients directly, and the server lists nothing for them.
	if store, root, err := s.artifactRoot(m.ArtifactURI); err == nil {
		if err := s.writeFilesFrom(w, r, store, root, rel); err != nil {
			return err
		}
	}
	w.closeObject()
	return nil
}

// getLoggedModelArtifact serves the UI's download of one logged-model
// file: GET .../logged-models/{model_id}/artifacts/files?artifact_file_path=.
func (s *Server) getLoggedModelArtifact(w http.ResponseWriter, r *http.Request) {
	if s.LoggedModels == nil {
		s.writeError(w, r, notServed(r))
		return
	}
	rel, err := artifact.CleanPath(r.URL.Query().Get("artifact_file_path"))
	if err == nil && rel == "" {
		err = weir.Errorf(weir.ErrInvalidParameterValue, "Missing value for required parameter 'artifact_file_path'."+docsHint)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	m, err := s.LoggedModels.GetLoggedModel(r.Context(), r.PathValue("model_id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// Proxied roots, the artifact destination and a local default artifact
	// root, through the same containment checks as run artifacts.
	store, root, err := s.artifactRoot(m.ArtifactURI)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.sendFile(w, r, store, joinPath(root, rel))
}

// loggedModel writes {info, data} as MLflow does: model_type and
// source_run_id always (empty when unknown), other optional fields only
// when set.
func (w *jsonWriter) loggedModel(m *tracking.LoggedModel) {
	w.openObject()
	w.objectField("info")
	w.stringField("model_id", m.ModelID)
	w.stringField("experiment_id", m.ExperimentID)
	w.stringField("name", m.Name)
	w.intField("creation_timestamp_ms", m.CreationTimestampMs)
	w.intField("last_updated_timestamp_ms", m.LastUpdatedTimestampMs)
	w.stringField("artifact_uri", m.ArtifactURI)
	w.optStringField("status", m.Status)
	if m.CreatorID != 0 {
		w.intField("creator_id", m.CreatorID)
	}
	w.stringField("model_type", m.ModelType)
	w.stringField("source_run_id", m.SourceRunID)
	w.optStringField("status_message", m.StatusMessage)
	w.tags("tags", m.Tags)
	if len(m.Registrations) > 0 {
		w.arrayField("registrations")
		for _, reg := range m.Registrations {
			w.element()
			w.stringField("name", reg.Name)
			w.stringField("version", reg.Version)
			w.closeObject()
		}
		w.closeArray()
	}
	w.closeObject()
	w.objectField("data")
	w.params("params", m.Params)
	w.metrics("metrics", m.Metrics)
	w.closeObject()
	w.closeObject()
}

func writeLoggedModel(w *jsonWriter, m *tracking.LoggedModel) {
	w.openObject()
	w.key("model")
	w.loggedModel(m)
	w.closeObject()
}
