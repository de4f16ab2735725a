package httpapi

import (
	"net/http"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/registry"
	"github.com/weir-ml/weir/webhook"
)

// MLflow's caps on registry search page sizes.
const (
	maxRegisteredModelsPerPage = 1000
	maxModelVersionsPerPage    = 200000
)

// needRegistry answers 404 ENDPOINT_NOT_FOUND, as for a route that does not
// exist, when the server has no registry.
func (s *Server) needRegistry(fn apiFunc) apiFunc {
	return func(w *jsonWriter, r *http.Request) error {
		if s.Registry == nil {
			return notServed(r)
		}
		return fn(w, r)
	}
}

func notServed(r *http.Request) error {
	return weir.Errorf(weir.ErrEndpointNotFound, "No API endpoint %s %s.", r.Method, r.URL.Path)
}

func (s *Server) createRegisteredModel(w *jsonWriter, r *http.Request) error {
	var req struct {
		Name        str       `json:"name"`
		Tags        []wireTag `json:"tags"`
		Description str       `json:"description"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	var v validator
	name := v.reqStr("name", req.Name)
	tags := v.tags("tags", req.Tags)
	desc := v.str("description", req.Description)
	if v.err != nil {
		return v.err
	}
	m, err := s.Registry.CreateRegisteredModel(r.Context(), name, desc, tags)
	if err != nil {
		return err
	}
	// MLflow sends the description as given, "" included.
	if hasPromptTag(tags) {
		s.announce(r, eventPromptCreated, registeredModelCreated{Name: name,
			Tags: tagMap(tags, promptTag, promptTypeTag), Description: &desc})
	} else {
		s.announce(r, eventModelCreated, registeredModelCreated{Name: name, Tags: tagMap(tags), Description: &desc})
	}
	writeRegisteredModel(w, m)
	return nil
}

// modelName reads a request whose only field is the model name.
func modelName(r *http.Request) (string, error) {
	var req struct {
		Name str `json:"name"`
	}
	if err := decode(r, &req); err != nil {
		return "", err
	}
	var v validator
	name := v.reqStr("name", req.Name)
	return name, v.err
}

func (s *Server) getRegisteredModel(w *jsonWriter, r *http.Request) error {
	name, err := modelName(r)
	if err != nil {
		return err
	}
	m, err := s.Registry.GetRegisteredModel(r.Context(), name)
	if err != nil {
		return err
	}
	writeRegisteredModel(w, m)
	return nil
}

func (s *Server) renameRegisteredModel(w *jsonWriter, r *http.Request) error {
	var req struct {
		Name    str `json:"name"`
		NewName str `json:"new_name"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	var v validator
	name := v.reqStr("name", req.Name)
	newName := v.reqStr("new_name", req.NewName)
	if v.err != nil {
		return v.err
	}
	m, err := s.Registry.RenameRegisteredModel(r.Context(), name, newName)
	if err != nil {
		return err
	}
	writeRegisteredModel(w, m)
	return nil
}

func (s *Server) updateRegisteredModel(w *jsonWriter, r *http.Request) error {
	var req struct {
		Name        str `json:"name"`
		Description str `json:"description"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	var v validator
	name := v.reqStr("name", req.Name)
	desc := v.str("description", req.Description)
	if v.err != nil {
		return v.err
	}
	m, err := s.Registry.UpdateRegisteredModel(r.Context(), name, desc)
	if err != nil {
		return err
	}
	writeRegisteredModel(w, m)
	return nil
}

func (s *Server) deleteRegisteredModel(w *jsonWriter, r *http.Request) error {
	name, err := modelName(r)
	if err != nil {
		return err
	}
	return s.Registry.DeleteRegisteredModel(r.Context(), name)
}

// searchRequest is the request of both registry searches.
type searchRequest struct {
	Filter     str  `json:"filter"`
	MaxResults i64  `json:"max_results"`
	OrderBy    strs `json:"order_by"`
	PageToken  str  `json:"page_token"`
}

// search validates a registry search; MaxResults 0 (absent) leaves the
// default to the store.
func (q *searchRequest) search(limit int64) (registry.Search, error) {
	var v validator
	s := registry.Search{
		Filter:     v.str("filter", q.Filter),
		MaxResults: int(v.i64("max_results", q.MaxResults)),
		OrderBy:    v.strs("order_by", q.OrderBy),
		PageToken:  v.str("page_token", q.PageToken),
	}
	v.capResults(q.MaxResults, limit)
	if q.MaxResults.Set && q.MaxResults.V < 1 {
		v.maxResults(q.MaxResults.V, limit)
	}
	return s, v.err
}

func (s *Server) searchRegisteredModels(w *jsonWriter, r *http.Request) error {
	var req searchRequest
	if err := decode(r, &req, "order_by"); err != nil {
		return err
	}
	q, err := req.search(maxRegisteredModelsPerPage)
	if err != nil {
		return err
	}
	models, next, err := s.Registry.SearchRegisteredModels(r.Context(), q)
	if err != nil {
		return err
	}
	w.openObject()
	if len(models) > 0 {
		w.arrayField("registered_models")
		for _, m := range models {
			w.comma()
			w.registeredModel(m)
		}
		w.closeArray()
	}
	w.optStringField("next_page_token", next)
	w.closeObject()
	return nil
}

func (s *Server) getLatestVersions(w *jsonWriter, r *http.Request) error {
	var req struct {
		Name   str  `json:"name"`
		Stages strs `json:"stages"`
	}
	if err := decode(r, &req, "stages"); err != nil {
		return err
	}
	var v validator
	name := v.reqStr("name", req.Name)
	stages := v.strs("stages", req.Stages)
	if v.err != nil {
		return v.err
	}
	versions, err := s.Registry.GetLatestVersions(r.Context(), name, stages)
	if err != nil {
		return err
	}
	writeModelVersions(w, versions, "")
	return nil
}

func (s *Server) setRegisteredModelTag(w *jsonWriter, r *http.Request) error {
	var req struct {
		Name str `json:"name"`
		wireTag
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	var v validator
	name := v.reqStr("name", req.Name)
	key := v.reqStr("key", req.Key)
	value := v.str("value", req.Value)
	if v.err != nil {
		return v.err
	}
	if err := s.Registry.SetRegisteredModelTag(r.Context(), name, registry.Tag{Key: key, Value: value}); err != nil {
		return err
	}
	// Only prompts announce their own tags, as in MLflow.
	s.announceAbout(r, name, webhook.Event{}, eventPromptTagSet, nil, promptTagSet{Name: name, Key: key, Value: value})
	return nil
}

func (s *Server) deleteRegisteredModelTag(w *jsonWriter, r *http.Request) error {
	var req struct {
		Name str `json:"name"`
		Key  str `json:"key"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	var v validator
	name := v.reqStr("name", req.Name)
	key := v.reqStr("key", req.Key)
	if v.err != nil {
		return v.err
	}
	if err := s.Registry.DeleteRegisteredModelTag(r.Context(), name, key); err != nil {
		return err
	}
	s.announceAbout(r, name, webhook.Event{}, eventPromptTagDeleted, nil, promptTagDeleted{Name: name, Key: key})
	return nil
}
