package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/evaldata"
)

// datasetRoutes are MLflow 3's evaluation dataset and scorer endpoints,
// served under /api/3.0 and /ajax-api/3.0 (datasetPrefixes). They answer
// 404 ENDPOINT_NOT_FOUND while the server keeps no datasets.
func (s *Server) datasetRoutes() []route {
	d, sc := s.needDatasets, s.needScorers
	return []route{
		{"POST", "/mlflow/datasets/create", d(s.createDataset)},
		{"POST", "/mlflow/datasets/search", d(s.searchEvalDatasets)},
		{"GET", "/mlflow/datasets/search", d(s.searchEvalDatasets)},
		{"GET", "/mlflow/datasets/{dataset_id}", d(s.getDataset)},
		{"DELETE", "/mlflow/datasets/{dataset_id}", d(s.deleteDataset)},
		{"PATCH", "/mlflow/datasets/{dataset_id}/tags", d(s.setDatasetTags)},
		{"DELETE", "/mlflow/datasets/{dataset_id}/tags/{key...}", d(s.deleteDatasetTag)},
		{"POST", "/mlflow/datasets/{dataset_id}/records", d(s.upsertDatasetRecords)},
		{"GET", "/mlflow/datasets/{dataset_id}/records", d(s.getDatasetRecords)},
		{"DELETE", "/mlflow/datasets/{dataset_id}/records", d(s.deleteDatasetRecords)},
		{"GET", "/mlflow/datasets/{dataset_id}/experiment-ids", d(s.getDatasetExperimentIDs)},
		{"POST", "/mlflow/datasets/{dataset_id}/add-experiments", d(s.addDatasetToExperiments)},
		{"POST", "/mlflow/datasets/{dataset_id}/remove-experiments", d(s.removeDatasetFromExperiments)},

		{"POST", "/mlflow/scorers/register", sc(s.registerScorer)}, // scorers.go
		{"GET", "/mlflow/scorers/list", sc(s.listScorers)},
		{"GET", "/mlflow/scorers/versions", sc(s.listScorerVersions)},
		{"GET", "/mlflow/scorers/get", sc(s.getScorer)},
		{"DELETE", "/mlflow/scorers/delete", sc(s.deleteScorer)},
		{"GET", "/mlflow/scorers/online-configs", sc(s.onlineScorerConfigs)},
	}
}

// datasetPrefixes are where datasetRoutes are served.
var datasetPrefixes = []string{"/api/3.0", "/ajax-api/3.0"}

func (s *Server) needDatasets(fn apiFunc) apiFunc {
	return func(w *jsonWriter, r *http.Request) error {
		if s.Datasets == nil {
			return notServed(r)
		}
		return fn(w, r)
	}
}

// decodeOptionalJSON decodes a request body that may be empty (DELETE and
// PATCH bodies are optional for some clients).
func decodeOptionalJSON(r *http.Request, dst any) error {
	return decodeWith(r, func(body []byte) error {
		if len(bytes.TrimSpace(body)) == 0 {
			return nil
		}
		if err := json.Unmarshal(body, dst); err != nil {
			return weir.Errorf(weir.ErrInvalidParameterValue, "Malformed request body: %s", jsonProblem(err))
		}
		return nil
	})
}

// jsonTags decodes a field that holds a JSON object of tags as a string,
// MLflow's wire form for dataset tags.
func jsonTags(field, s string) (map[string]string, error) {
	if s == "" {
		return nil, nil
	}
	tags, err := evaldata.TagValues(json.RawMessage(s))
	if err != nil {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "Field '%s' must hold a JSON object of tags, such as {\"team\": \"ml\"}.", field)
	}
	return tags, nil
}

func (s *Server) createDataset(w *jsonWriter, r *http.Request) error {
	var req struct {
		Name          string   `json:"name"`
		ExperimentIDs []string `json:"experiment_ids"`
		Tags          string   `json:"tags"`
	}
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if req.Name == "" {
		return weir.Errorf(weir.ErrInvalidParameterValue, "Missing value for required parameter 'name'.")
	}
	tags, err := jsonTags("tags", req.Tags)
	if err != nil {
		return err
	}
	ds, err := s.Datasets.CreateDataset(r.Context(), req.Name, tags, req.ExperimentIDs)
	if err != nil {
		return err
	}
	writeDatasetResponse(w, ds)
	return nil
}

// writeDatasetResponse writes {"dataset": {...}}.
func writeDatasetResponse(w *jsonWriter, ds *evaldata.Dataset) {
	w.openObject()
	w.objectField("dataset")
	writeDatasetBody(w, ds)
	w.closeObject()
	w.closeObject()
}

// writeDatasetBody writes a Dataset message's fields, in MLflow's order.
func writeDatasetBody(w *jsonWriter, ds *evaldata.Dataset) {
	w.stringField("dataset_id", ds.ID)
	w.stringField("name", ds.Name)
	w.stringField("tags", pyJSONObject(ds.Tags))
	w.optStringField("schema", ds.Schema)
	w.optStringField("profile", ds.Profile)
	w.stringField("digest", ds.Digest)
	w.intField("created_time", ds.CreatedTime)
	w.intField("last_update_time", ds.LastUpdateTime)
	w.optStringField("created_by", ds.CreatedBy)
	w.optStringField("last_updated_by", ds.LastUpdatedBy)
	w.stringList("experiment_ids", ds.ExperimentIDs)
}

// pyJSONObject writes string tags as Python's json.dumps does (", " and
// ": " separators), since MLflow sends dataset tags as such a string.
func pyJSONObject(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	b := []byte{'{'}
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',', ' ')
		}
		b = appendJSONString(b, k)
		b = append(b, ':', ' ')
		b = appendJSONString(b, m[k])
	}
	return string(append(b, '}'))
}

func (s *Server) getDataset(w *jsonWriter, r *http.Request) error {
	ds, err := s.Datasets.GetDataset(r.Context(), r.PathValue("dataset_id"))
	if err != nil {
		return err
	}
	writeDatasetResponse(w, ds)
	return nil
}

func (s *Server) deleteDataset(w *jsonWriter, r *http.Request) error {
	return s.Datasets.DeleteDataset(r.Context(), r.PathValue("dataset_id"))
}

func (s *Server) searchEvalDatasets(w *jsonWriter, r *http.Request) error {
	var req struct {
		ExperimentIDs []string `json:"experiment_ids"`
		Filter        string   `json:"filter_string"`
		MaxResults    *int64   `json:"max_results"`
		OrderBy       []string `json:"order_by"`
		PageToken     string   `json:"page_token"`
	}
	if r.Method == http.MethodGet {
		q := r.URL.Query()
		req.ExperimentIDs, req.Filter, req.OrderBy, req.PageToken = q["experiment_ids"], q.Get("filter_string"), q["order_by"], q.Get("page_token")
		if q.Get("max_results") != "" {
			n, err := queryInt(r, "max_results")
			if err != nil {
				return err
			}
			max := int64(n)
			req.MaxResults = &max
		}
	} else if err := decodeJSON(r, &req); err != nil {
		return err
	}
	sr := evaldata.SearchRequest{ExperimentIDs: req.ExperimentIDs, Filter: req.Filter, OrderBy: req.OrderBy, PageToken: req.PageToken}
	if req.MaxResults != nil {
		if *req.MaxResults < 1 || *req.MaxResults > 50000 {
			return weir.Errorf(weir.ErrInvalidParameterValue,
				"Invalid value %d for parameter 'max_results' supplied. It must be between 1 and 50000", *req.MaxResults)
		}
		sr.MaxResults = int(*req.MaxResults)
	}
	ds, next, err := s.Datasets.SearchDatasets(r.Context(), sr)
	if err != nil {
		return err
	}
	w.openObject()
	if len(ds) > 0 {
		w.arrayField("datasets")
		for i := range ds {
			w.element()
			writeDatasetBody(w, &ds[i])
			w.closeObject()
		}
		w.closeArray()
	}
	w.optStringField("next_page_token", next)
	w.closeObject()
	return nil
}

func (s *Server) setDatasetTags(w *jsonWriter, r *http.Request) error {
	var req struct {
		Tags *string `json:"tags"`
	}
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if req.Tags == nil {
		return weir.Errorf(weir.ErrInvalidParameterValue, "Missing value for required parameter 'tags'.")
	}
	tags, err := jsonTags("tags", *req.Tags)
	if err != nil {
		return err
	}
	return s.Datasets.SetDatasetTags(r.Context(), r.PathValue("dataset_id"), tags)
}

func (s *Server) deleteDatasetTag(w *jsonWriter, r *http.Request) error {
	return s.Datasets.DeleteDatasetTag(r.Context(), r.PathValue("dataset_id"), r.PathValue("key"))
}

func (s *Server) upsertDatasetRecords(w *jsonWriter, r *http.Request) error {
	var req struct {
		Records *string `json:"records"`
	}
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if req.Records == nil {
		return weir.Errorf(weir.ErrInvalidParameterValue, "Missing value for required parameter 'records'.")
	}
	recs, err := evaldata.ParseRecords(*req.Records)
	if err != nil {
		return err
	}
	res, err := s.Datasets.UpsertRecords(r.Context(), r.PathValue("dataset_id"), recs)
	if err != nil {
		return err
	}
	w.openObject()
	w.intField("inserted_count", int64(res.Inserted))
	w.intField("updated_count", int64(res.Updated))
	w.closeObject()
	return nil
}

// queryInt reads an optional whole-number query parameter.
func queryInt(r *http.Request, name string) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, weir.Errorf(weir.ErrInvalidParameterValue, "Invalid value '%s' for parameter '%s': want a whole number.", v, name)
	}
	return n, nil
}

func (s *Server) getDatasetRecords(w *jsonWriter, r *http.Request) error {
	max, err := queryInt(r, "max_results")
	if err != nil {
		return err
	}
	recs, next, err := s.Datasets.GetRecords(r.Context(), r.PathValue("dataset_id"), max, r.URL.Query().Get("page_token"))
	if err != nil {
		return err
	}
	w.openObject()
	w.stringField("records", string(appendRecordsJSON(nil, recs)))
	w.optStringField("next_page_token", next)
	w.closeObject()
	return nil
}

// appendRecordsJSON writes records as the JSON list MLflow sends inside
// GetDatasetRecords' records string.
func appendRecordsJSON(b []byte, recs []evaldata.Record) []byte {
	rw := jsonWriter{b: b}
	rw.openArray()
	for i := range recs {
		rec := &recs[i]
		rw.element()
		rw.stringField("dataset_record_id", rec.ID)
		rw.stringField("dataset_id", rec.DatasetID)
		rawField(&rw, "inputs", rec.Inputs)
		rawField(&rw, "expectations", rec.Expectations)
		tags, _ := json.Marshal(rec.Tags)
		rawField(&rw, "tags", tags)
		rawField(&rw, "source", rec.Source)
		rw.optStringField("source_id", rec.SourceID)
		rw.optStringField("source_type", rec.SourceType)
		rw.intField("created_time", rec.CreatedTime)
		rw.intField("last_update_time", rec.LastUpdateTime)
		rw.optStringField("created_by", rec.CreatedBy)
		rw.optStringField("last_updated_by", rec.LastUpdatedBy)
		rawField(&rw, "outputs", rec.Outputs)
		rw.closeObject()
	}
	rw.closeArray()
	return rw.b
}

// rawField writes k: raw when raw is set.
func rawField(w *jsonWriter, k string, raw json.RawMessage) {
	if raw == nil {
		return
	}
	w.key(k)
	w.b = appendCompactJSON(w.b, raw)
}

func (s *Server) deleteDatasetRecords(w *jsonWriter, r *http.Request) error {
	var req struct {
		RecordIDs []string `json:"dataset_record_ids"`
	}
	if err := decodeOptionalJSON(r, &req); err != nil {
		return err
	}
	if len(req.RecordIDs) == 0 {
		req.RecordIDs = r.URL.Query()["dataset_record_ids"]
	}
	n, err := s.Datasets.DeleteRecords(r.Context(), r.PathValue("dataset_id"), req.RecordIDs)
	if err != nil {
		return err
	}
	w.openObject()
	w.intField("deleted_count", int64(n))
	w.closeObject()
	return nil
}

func (s *Server) getDatasetExperimentIDs(w *jsonWriter, r *http.Request) error {
	ids, err := s.Datasets.GetExperimentIDs(r.Context(), r.PathValue("dataset_id"))
	if err != nil {
		return err
	}
	w.openObject()
	w.stringList("experiment_ids", ids)
	w.closeObject()
	return nil
}

// experimentIDsBody reads the experiment_ids of an add or remove request.
func experimentIDsBody(r *http.Request) ([]string, error) {
	var req struct {
		ExperimentIDs []string `json:"experiment_ids"`
	}
	if err := decodeJSON(r, &req); err != nil {
		return nil, err
	}
	for _, id := range req.ExperimentIDs {
		if strings.TrimSpace(id) == "" {
			return nil, weir.Errorf(weir.ErrInvalidParameterValue, "Field 'experiment_ids' holds an empty experiment ID.")
		}
	}
	return req.ExperimentIDs, nil
}

func (s *Server) addDatasetToExperiments(w *jsonWriter, r *http.Request) error {
	ids, err := experimentIDsBody(r)
	if err != nil {
		return err
	}
	ds, err := s.Datasets.AddToExperiments(r.Context(), r.PathValue("dataset_id"), ids)
	if err != nil {
		return err
	}
	writeDatasetResponse(w, ds)
	return nil
}

func (s *Server) removeDatasetFromExperiments(w *jsonWriter, r *http.Request) error {
	ids, err := experimentIDsBody(r)
	if err != nil {
		return err
	}
	ds, err := s.Datasets.RemoveFromExperiments(r.Context(), r.PathValue("dataset_id"), ids)
	if err != nil {
		return err
	}
	writeDatasetResponse(w, ds)
	return nil
}
