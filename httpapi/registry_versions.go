package httpapi

import (
	"github.com/weir-ml/weir"
	"net/http"

	"github.com/weir-ml/weir/registry"
)

func (s *Server) createModelVersion(w *jsonWriter, r *http.Request) error {
	var req struct {
		Name        str       `json:"name"`
		Source      str       `json:"source"`
		RunID       str       `json:"run_id"`
		Tags        []wireTag `json:"tags"`
		RunLink     str       `json:"run_link"`
		Description str       `json:"description"`
		ModelID     str       `json:"model_id"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	var v validator
	c := registry.VersionCreate{
		Name:        v.reqStr("name", req.Name),
		Source:      v.reqStr("source", req.Source),
		RunID:       v.str("run_id", req.RunID),
		Tags:        v.tags("tags", req.Tags),
		RunLink:     v.str("run_link", req.RunLink),
		Description: v.str("description", req.Description),
		ModelID:     v.str("model_id", req.ModelID),
	}
	if v.err != nil {
		return v.err
	}
	// The operator's allow-list of sources (MLflow's
	// MLFLOW_CREATE_MODEL_VERSION_SOURCE_VALIDATION_REGEX), searched like
	// Python's re.search.
	if s.VersionSourceRegex != nil && !s.VersionSourceRegex.MatchString(c.Source) {
		return weir.Errorf(weir.ErrInvalidParameterValue, "Invalid model version source: '%s'.", c.Source)
	}
	mv, err := s.Registry.CreateModelVersion(r.Context(), c)
	if err != nil {
		return err
	}
	// Whether a version is a prompt's is told by its own tags, as in MLflow.
	if hasPromptTag(c.Tags) {
		s.announce(r, eventPromptVersionCreated, promptVersionCreated{Name: c.Name, Version: mv.Version,
			Template: promptTemplate(c.Tags), Tags: tagMap(c.Tags, promptTag, promptTypeTag, promptTextTag),
			Description: optional(c.Description)})
	} else {
		s.announce(r, eventVersionCreated, modelVersionCreated{Name: c.Name, Version: mv.Version, Source: c.Source,
			RunID: optional(c.RunID), Tags: tagMap(c.Tags), Description: optional(c.Description)})
	}
	writeModelVersion(w, mv)
	return nil
}

// versionRef is the name and version most model-version requests carry.
type versionRef struct {
	Name    str `json:"name"`
	Version str `json:"version"`
}

// ref validates a versionRef.
func (v *validator) ref(f versionRef) (name, version string) {
	return v.reqStr("name", f.Name), v.reqStr("version", f.Version)
}

// versionOnly reads a request whose only fields are name and version.
func versionOnly(r *http.Request) (name, version string, err error) {
	var req versionRef
	if err := decode(r, &req); err != nil {
		return "", "", err
	}
	var v validator
	name, version = v.ref(req)
	return name, version, v.err
}

func (s *Server) getModelVersion(w *jsonWriter, r *http.Request) error {
	name, version, err := versionOnly(r)
	if err != nil {
		return err
	}
	mv, err := s.Registry.GetModelVersion(r.Context(), name, version)
	if err != nil {
		return err
	}
	writeModelVersion(w, mv)
	return nil
}

func (s *Server) updateModelVersion(w *jsonWriter, r *http.Request) error {
	var req struct {
		versionRef
		Description str `json:"description"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	var v validator
	name, version := v.ref(req.versionRef)
	desc := v.str("description", req.Description)
	if v.err != nil {
		return v.err
	}
	mv, err := s.Registry.UpdateModelVersion(r.Context(), name, version, desc)
	if err != nil {
		return err
	}
	writeModelVersion(w, mv)
	return nil
}

func (s *Server) deleteModelVersion(w *jsonWriter, r *http.Request) error {
	name, version, err := versionOnly(r)
	if err != nil {
		return err
	}
	return s.Registry.DeleteModelVersion(r.Context(), name, version)
}

func (s *Server) searchModelVersions(w *jsonWriter, r *http.Request) error {
	var req searchRequest
	if err := decode(r, &req, "order_by"); err != nil {
		return err
	}
	q, err := req.search(maxModelVersionsPerPage)
	if err != nil {
		return err
	}
	versions, next, err := s.Registry.SearchModelVersions(r.Context(), q)
	if err != nil {
		return err
	}
	writeModelVersions(w, versions, next)
	return nil
}

func (s *Server) getModelVersionDownloadURI(w *jsonWriter, r *http.Request) error {
	name, version, err := versionOnly(r)
	if err != nil {
		return err
	}
	uri, err := s.Registry.GetModelVersionDownloadURI(r.Context(), name, version)
	if err != nil {
		return err
	}
	w.openObject()
	w.stringField("artifact_uri", uri)
	w.closeObject()
	return nil
}

func (s *Server) transitionModelVersionStage(w *jsonWriter, r *http.Request) error {
	var req struct {
		versionRef
		Stage           str  `json:"stage"`
		ArchiveExisting flag `json:"archive_existing_versions"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	var v validator
	name, version := v.ref(req.versionRef)
	stage := v.reqStr("stage", req.Stage)
	archive := v.flag("archive_existing_versions", req.ArchiveExisting)
	if v.err != nil {
		return v.err
	}
	mv, err := s.Registry.TransitionModelVersionStage(r.Context(), name, version, stage, archive)
	if err != nil {
		return err
	}
	writeModelVersion(w, mv)
	return nil
}

func (s *Server) setModelVersionTag(w *jsonWriter, r *http.Request) error {
	var req struct {
		versionRef
		wireTag
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	var v validator
	name, version := v.ref(req.versionRef)
	key := v.reqStr("key", req.Key)
	value := v.str("value", req.Value)
	if v.err != nil {
		return v.err
	}
	if err := s.Registry.SetModelVersionTag(r.Context(), name, version, registry.Tag{Key: key, Value: value}); err != nil {
		return err
	}
	data := versionTagSet{Name: name, Version: version, Key: key, Value: value}
	s.announceAbout(r, name, eventVersionTagSet, eventPromptVersionTagSet, data, data)
	return nil
}

func (s *Server) deleteModelVersionTag(w *jsonWriter, r *http.Request) error {
	var req struct {
		versionRef
		Key str `json:"key"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	var v validator
	name, version := v.ref(req.versionRef)
	key := v.reqStr("key", req.Key)
	if v.err != nil {
		return v.err
	}
	if err := s.Registry.DeleteModelVersionTag(r.Context(), name, version, key); err != nil {
		return err
	}
	data := versionTagDeleted{Name: name, Version: version, Key: key}
	s.announceAbout(r, name, eventVersionTagDeleted, eventPromptVersionTagDeleted, data, data)
	return nil
}

func (s *Server) setRegisteredModelAlias(w *jsonWriter, r *http.Request) error {
	var req struct {
		Name    str `json:"name"`
		Alias   str `json:"alias"`
		Version str `json:"version"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	var v validator
	name := v.reqStr("name", req.Name)
	alias := v.reqStr("alias", req.Alias)
	version := v.reqStr("version", req.Version)
	if v.err != nil {
		return v.err
	}
	if err := s.Registry.SetRegisteredModelAlias(r.Context(), name, alias, version); err != nil {
		return err
	}
	data := aliasCreated{Name: name, Alias: alias, Version: version}
	s.announceAbout(r, name, eventAliasCreated, eventPromptAliasCreated, data, data)
	return nil
}

// nameAlias reads a request whose fields are a model name and an alias.
func nameAlias(r *http.Request) (name, alias string, err error) {
	var req struct {
		Name  str `json:"name"`
		Alias str `json:"alias"`
	}
	if err := decode(r, &req); err != nil {
		return "", "", err
	}
	var v validator
	name = v.reqStr("name", req.Name)
	alias = v.reqStr("alias", req.Alias)
	return name, alias, v.err
}

func (s *Server) deleteRegisteredModelAlias(w *jsonWriter, r *http.Request) error {
	name, alias, err := nameAlias(r)
	if err != nil {
		return err
	}
	if err := s.Registry.DeleteRegisteredModelAlias(r.Context(), name, alias); err != nil {
		return err
	}
	data := aliasDeleted{Name: name, Alias: alias}
	s.announceAbout(r, name, eventAliasDeleted, eventPromptAliasDeleted, data, data)
	return nil
}

func (s *Server) getModelVersionByAlias(w *jsonWriter, r *http.Request) error {
	name, alias, err := nameAlias(r)
	if err != nil {
		return err
	}
	mv, err := s.Registry.GetModelVersionByAlias(r.Context(), name, alias)
	if err != nil {
		return err
	}
	writeModelVersion(w, mv)
	return nil
}
