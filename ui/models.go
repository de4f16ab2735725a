package ui

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/artifact"
	"github.com/weir-ml/weir/registry"
)

type modelsData struct {
	Query string
	Error string
	Rows  []*registry.RegisteredModel
	Next  string
}

func (h *Handler) needRegistry() error {
	if h.Registry == nil {
		return weir.Errorf(weir.ErrResourceDoesNotExist, "This server has no model registry.")
	}
	return nil
}

func (h *Handler) modelsPage(w http.ResponseWriter, r *http.Request) (*view, error) {
	if err := h.needRegistry(); err != nil {
		return nil, err
	}
	q := r.URL.Query()
	d := &modelsData{Query: strings.TrimSpace(q.Get("q"))}
	s := registry.Search{MaxResults: 100, PageToken: q.Get("page"), OrderBy: []string{"name ASC"}}
	if d.Query != "" {
		s.Filter = "name ILIKE " + likeLiteral(d.Query)
	}
	models, next, err := h.Registry.SearchRegisteredModels(r.Context(), s)
	if err != nil {
		if weir.ErrorCode(err) != weir.ErrInvalidParameterValue {
			return nil, err
		}
		d.Error = weir.ErrorMessage(err)
	}
	d.Rows, d.Next = models, next
	return &view{Template: "models", Title: "Models", Data: d}, nil
}

type modelData struct {
	Model    *registry.RegisteredModel
	Versions []*registry.ModelVersion
	Target   string // models:/ URI of the champion alias or newest version
	ImageTag string
	Card     string // the served version's model card, Markdown shown as text
	CardFrom string // the card's file name
	// CardVersion and CardAlias name the version the card and the commands
	// are about: the champion when there is one.
	CardVersion string
	CardAlias   string
	Stages      []string
	Files       map[string]string // version -> link to its files in the run's artifact browser
}

func (h *Handler) modelPage(w http.ResponseWriter, r *http.Request) (*view, error) {
	if err := h.needRegistry(); err != nil {
		return nil, err
	}
	ctx := r.Context()
	name := r.URL.Query().Get("name")
	m, err := h.Registry.GetRegisteredModel(ctx, name)
	if err != nil {
		return nil, err
	}
	versions, _, err := h.Registry.SearchModelVersions(ctx, registry.Search{
		Filter: "name = " + quoteLiteral(name), MaxResults: 200, OrderBy: []string{"version_number DESC"}})
	if err != nil {
		return nil, err
	}
	d := &modelData{Model: m, Versions: versions, Stages: []string{registry.StageNone, registry.StageStaging, registry.StageProduction, registry.StageArchived}}
	sort.Slice(m.Aliases, func(i, j int) bool { return m.Aliases[i].Alias < m.Aliases[j].Alias })
	ref, served := servedVersion(m, versions)
	if ref != "" {
		d.Target = "models:/" + name + ref
		d.ImageTag = imageName(name) + ":" + strings.TrimLeft(ref, "@/")
	}
	if served != nil {
		d.CardVersion = served.Version
		d.CardAlias = strings.TrimPrefix(ref, "@")
		if d.CardAlias == ref {
			d.CardAlias = ""
		}
		d.Card, d.CardFrom = h.modelCard(ctx, served)
	}
	d.Files = map[string]string{}
	for _, v := range versions {
		if u := h.versionFiles(ctx, v); u != "" {
			d.Files[v.Version] = u
		}
	}
	return &view{Template: "model", Title: name, Data: d, Crumbs: []crumb{{"Models", "/models"}}}, nil
}

// championAlias is the alias Weir's pipeline promotes a model to, and the
// one the model page serves when the model has it.
const championAlias = "champion"

// servedVersion chooses what the model page's commands and card are about:
// the champion alias, else the only alias, else the newest version. It
// returns the models:/ reference's tail ("@champion" or "/3") and the
// version, nil when the model has none. Aliases sorted by name put
// "challenger" before "champion": the first alias is not the champion.
func servedVersion(m *registry.RegisteredModel, versions []*registry.ModelVersion) (string, *registry.ModelVersion) {
	alias := ""
	for _, a := range m.Aliases {
		if a.Alias == championAlias {
			alias = a.Alias
		}
	}
	if alias == "" && len(m.Aliases) == 1 {
		alias = m.Aliases[0].Alias
	}
	if alias != "" {
		for _, a := range m.Aliases {
			if a.Alias != alias {
				continue
			}
			for _, v := range versions {
				if v.Version == a.Version {
					return "@" + alias, v
				}
			}
			return "@" + alias, nil
		}
	}
	if len(versions) > 0 {
		return "/" + versions[0].Version, versions[0]
	}
	return "", nil
}

// versionRoot finds where a version's files are in Artifacts: its source
// when that is a proxied URI, or the artifacts of the logged model it names.
func (h *Handler) versionRoot(ctx context.Context, v *registry.ModelVersion) (string, bool) {
	if h.Artifacts == nil {
		return "", false
	}
	src := v.Source
	if h.LoggedModels != nil {
		id := v.ModelID
		if rest, ok := strings.CutPrefix(src, "models:/m-"); ok && id == "" {
			id = "m-" + rest
		}
		if id != "" {
			if lm, err := h.LoggedModels.GetLoggedModel(ctx, id); err == nil {
				src = lm.ArtifactURI
			}
		}
	}
	u, err := url.Parse(src)
	if err != nil || u.Scheme != "mlflow-artifacts" {
		return "", false
	}
	root, err := artifact.CleanPath(strings.Trim(u.Path, "/"))
	return root, err == nil
}

// versionFiles links a version's files in the artifact browser of its
// source run, when they lie under that run's artifacts.
func (h *Handler) versionFiles(ctx context.Context, v *registry.ModelVersion) string {
	root, ok := h.versionRoot(ctx, v)
	if !ok || v.RunID == "" {
		return ""
	}
	run, err := h.Tracking.GetRun(ctx, v.RunID)
	if err != nil {
		return ""
	}
	runRoot, err := h.runArtifactRoot(run)
	if err != nil {
		return ""
	}
	rel, ok := strings.CutPrefix(root, runRoot+"/")
	if !ok {
		return ""
	}
	return "/runs/" + run.Info.RunID + "/artifacts?path=" + url.QueryEscape(rel+"/MLmodel")
}

// modelCard reads a model card (model_card.md or README.md) next to the
// version's MLmodel, when the version's files are served from Artifacts.
func (h *Handler) modelCard(ctx context.Context, v *registry.ModelVersion) (text, from string) {
	root, ok := h.versionRoot(ctx, v)
	if !ok {
		return "", ""
	}
	for _, name := range []string{"model_card.md", "README.md"} {
		rc, err := h.Artifacts.Open(ctx, joinPath(root, name))
		if err != nil {
			continue
		}
		b, _ := io.ReadAll(io.LimitReader(rc, previewLimit))
		rc.Close()
		return string(b), name
	}
	return "", ""
}

var notImageChars = regexp.MustCompile(`[^a-z0-9._-]+`)

// imageName turns a model name into a valid image repository name.
func imageName(model string) string {
	n := strings.Trim(notImageChars.ReplaceAllString(strings.ToLower(model), "-"), "-._")
	if n == "" {
		return "model"
	}
	return n
}

// quoteLiteral quotes s as a string of the search language.
func quoteLiteral(s string) string {
	if !strings.Contains(s, "'") {
		return "'" + s + "'"
	}
	return `"` + s + `"`
}

func modelURL(name string) string { return "/model?name=" + url.QueryEscape(name) }

func (h *Handler) setModelDescription(r *http.Request) (string, error) {
	if err := h.needRegistry(); err != nil {
		return "", err
	}
	name := r.PostForm.Get("name")
	if _, err := h.Registry.UpdateRegisteredModel(r.Context(), name, r.PostForm.Get("description")); err != nil {
		return "", err
	}
	return modelURL(name), nil
}

// setModelAlias points an alias at a version, or removes it when the
// version is empty.
func (h *Handler) setModelAlias(r *http.Request) (string, error) {
	if err := h.needRegistry(); err != nil {
		return "", err
	}
	f := r.PostForm
	name, alias, version := f.Get("name"), strings.TrimSpace(f.Get("alias")), strings.TrimSpace(f.Get("version"))
	if alias == "" {
		return "", weir.Errorf(weir.ErrInvalidParameterValue, "An alias needs a name.")
	}
	var err error
	if version == "" {
		err = h.Registry.DeleteRegisteredModelAlias(r.Context(), name, alias)
	} else {
		err = h.Registry.SetRegisteredModelAlias(r.Context(), name, alias, version)
	}
	if err != nil {
		return "", err
	}
	return modelURL(name), nil
}
