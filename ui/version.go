package ui

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/registry"
	"github.com/weir-ml/weir/tracking"
)

// The version page's template joins the list here rather than in
// render.go, so that pages added at the same time elsewhere merge cleanly.
func init() { pageNames = append(pageNames, "version") }

// versionData is the page of one model version: what it is, where it came
// from and how to serve it.
type versionData struct {
	Model     *registry.RegisteredModel
	Version   *registry.ModelVersion
	Aliases   []string
	Run       *tracking.Run // the source run, when it still exists
	RunName   string
	Parent    *tracking.Run // the run the source run is nested in (a pipeline run)
	ParentNm  string
	Exp       *tracking.Experiment
	Logged    *tracking.LoggedModel // the MLflow 3 logged model the version was registered from
	Signature *mlmodelView
	Card      string
	CardFrom  string
	Files     string // link to the version's files in the artifact browser
	Target    string // models:/name/version
	ByAlias   string // models:/name@alias, when the version has an alias
	ImageTag  string
}

func (h *Handler) versionPage(w http.ResponseWriter, r *http.Request) (*view, error) {
	if err := h.needRegistry(); err != nil {
		return nil, err
	}
	ctx := r.Context()
	q := r.URL.Query()
	name, version := q.Get("name"), q.Get("version")
	if name == "" || version == "" {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "A model version page needs ?name= and ?version=.")
	}
	m, err := h.Registry.GetRegisteredModel(ctx, name)
	if err != nil {
		return nil, err
	}
	mv, err := h.Registry.GetModelVersion(ctx, name, version)
	if err != nil {
		return nil, err
	}
	d := &versionData{Model: m, Version: mv, Target: "models:/" + name + "/" + mv.Version,
		ImageTag: imageName(name) + ":" + mv.Version}
	d.Aliases = append(d.Aliases, mv.Aliases...)
	for _, a := range m.Aliases { // stores differ in whether a version lists its aliases
		if a.Version == mv.Version && !slices.Contains(d.Aliases, a.Alias) {
			d.Aliases = append(d.Aliases, a.Alias)
		}
	}
	sort.Strings(d.Aliases)
	for _, a := range d.Aliases {
		if d.ByAlias == "" || a == championAlias {
			d.ByAlias = "models:/" + name + "@" + a
		}
	}
	h.lineage(ctx, d)
	d.Signature = h.versionSignature(ctx, mv)
	d.Card, d.CardFrom = h.modelCard(ctx, mv)
	d.Files = h.versionFiles(ctx, mv)
	return &view{Template: "version", Title: "Version " + mv.Version, Data: d,
		Crumbs: []crumb{{"Models", "/models"}, {name, modelURL(name)}}}, nil
}

// lineage fills in the source run, the run it is nested in, and the logged
// model. A part that cannot be read (deleted, no access) is left out: the
// rest of the page still helps.
func (h *Handler) lineage(ctx context.Context, d *versionData) {
	mv := d.Version
	if mv.RunID != "" {
		if run, err := h.Tracking.GetRun(ctx, mv.RunID); err == nil {
			d.Run, d.RunName = run, runName(run)
			if exp, err := h.Tracking.GetExperiment(ctx, run.Info.ExperimentID); err == nil {
				d.Exp = exp
			}
			if p := tagValue(run.Data.Tags, tagParent); p != "" {
				if parent, err := h.Tracking.GetRun(ctx, p); err == nil {
					d.Parent, d.ParentNm = parent, runName(parent)
				}
			}
		}
	}
	id := mv.ModelID
	if rest, ok := strings.CutPrefix(mv.Source, "models:/m-"); ok && id == "" {
		id = "m-" + rest
	}
	if id != "" && h.LoggedModels != nil {
		if lm, err := h.LoggedModels.GetLoggedModel(ctx, id); err == nil {
			d.Logged = lm
		}
	}
}

// versionSignature reads the MLmodel file of the version, when its files
// are served from Artifacts.
func (h *Handler) versionSignature(ctx context.Context, v *registry.ModelVersion) *mlmodelView {
	root, ok := h.versionRoot(ctx, v)
	if !ok {
		return nil
	}
	rc, err := h.Artifacts.Open(ctx, joinPath(root, "MLmodel"))
	if err != nil {
		return nil
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, previewLimit))
	if err != nil {
		return nil
	}
	return parseMLmodel(b)
}

// versionURL is the page of one model version.
func versionURL(name, version string) string {
	return "/model/version?name=" + url.QueryEscape(name) + "&version=" + url.QueryEscape(version)
}
