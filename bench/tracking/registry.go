package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Registry seeding: registryModels registered models named
// <prefix>-0000..., of which the filter's prefix <prefix>-01 matches a
// hundred (0100 to 0199); one of them, the versioned model, gets
// registryVersions versions for the model-versions search.
const (
	registryModels   = 1000
	registryVersions = 10
	registryPage     = 200 // max_results: above the 100 matches, so one page holds them all
	registryMatches  = 100
	versionedModel   = 150
)

func registryPrefix(tag string) string { return "bm" + tag }

func modelName(tag string, i int) string { return fmt.Sprintf("%s-%04d", registryPrefix(tag), i) }

// registryFilter is the name LIKE filter the registered-models search times.
func registryFilter(tag string) string {
	return fmt.Sprintf("name LIKE '%s-01%%'", registryPrefix(tag))
}

// seedRegistry creates the models and versions once for both registry
// operations, whichever runs first.
func seedRegistry(ctx context.Context, e *env) error {
	if e.registrySeeded {
		return nil
	}
	err := parallel(ctx, e.clients, registryModels, func(ctx context.Context, i int) error {
		_, err := e.c.post(ctx, api+"/registered-models/create", map[string]any{"name": modelName(e.tag, i)}, nil)
		return err
	})
	if err != nil {
		return err
	}
	runID, _, err := e.c.createRun(ctx, e.opsExp)
	if err != nil {
		return err
	}
	source := fmt.Sprintf("mlflow-artifacts:/%s/%s/artifacts/model", e.opsExp, runID)
	// One at a time: versions of one model are numbered in creation order.
	for v := 0; v < registryVersions; v++ {
		in := map[string]any{"name": modelName(e.tag, versionedModel), "source": source, "run_id": runID}
		if _, err := e.c.post(ctx, api+"/model-versions/create", in, nil); err != nil {
			return err
		}
	}
	e.registrySeeded = true
	return nil
}

// get sends a GET with query q and decodes the answer into out.
func (c *client) get(ctx context.Context, path string, q url.Values, out any) (time.Duration, error) {
	data, elapsed, err := c.exchange(ctx, http.MethodGet, path+"?"+q.Encode(), nil)
	if err != nil {
		return elapsed, err
	}
	if err := json.Unmarshal(data, out); err != nil {
		return elapsed, fmt.Errorf("GET %s: decoding answer: %w (body %s)", path, err, snippet(data))
	}
	return elapsed, nil
}

// namedItems is the part of a registry search answer the checks read.
type namedItems struct {
	RegisteredModels []struct {
		Name string `json:"name"`
	} `json:"registered_models"`
	ModelVersions []struct {
		Name    string `json:"name"`
		Version string `json:"version"`
	} `json:"model_versions"`
	NextPageToken string `json:"next_page_token"`
}

func prepareModelSearch(ctx context.Context, e *env, worker int) (step, error) {
	q := url.Values{"filter": {registryFilter(e.tag)}, "max_results": {fmt.Sprint(registryPage)}}
	want := registryPrefix(e.tag) + "-01"
	return func(ctx context.Context, i int) (time.Duration, error) {
		var out namedItems
		elapsed, err := e.c.get(ctx, api+"/registered-models/search", q, &out)
		if err != nil {
			return elapsed, err
		}
		names := make([]string, len(out.RegisteredModels))
		for j, m := range out.RegisteredModels {
			names[j] = m.Name
		}
		return elapsed, checkNames("registered-models/search", names, out.NextPageToken, registryMatches,
			func(n string) bool { return strings.HasPrefix(n, want) })
	}, nil
}

func prepareVersionSearch(ctx context.Context, e *env, worker int) (step, error) {
	name := modelName(e.tag, versionedModel)
	q := url.Values{"filter": {fmt.Sprintf("name='%s'", name)}, "max_results": {fmt.Sprint(registryPage)}}
	return func(ctx context.Context, i int) (time.Duration, error) {
		var out namedItems
		elapsed, err := e.c.get(ctx, api+"/model-versions/search", q, &out)
		if err != nil {
			return elapsed, err
		}
		names := make([]string, len(out.ModelVersions))
		for j, v := range out.ModelVersions {
			names[j] = v.Name
		}
		return elapsed, checkNames("model-versions/search", names, out.NextPageToken, registryVersions,
			func(n string) bool { return n == name })
	}, nil
}

// checkNames fails unless a search answered exactly want distinct items, on
// one page, every one of which match accepts: a server that ignores the
// filter, or pages below max_results, must not look fast.
func checkNames(what string, names []string, token string, want int, match func(string) bool) error {
	if len(names) != want || token != "" {
		return fmt.Errorf("%s answered %d items (next_page_token %q), want %d on one page", what, len(names), token, want)
	}
	seen := map[string]bool{}
	for _, n := range names {
		if !match(n) {
			return fmt.Errorf("%s answered %q, which the filter excludes", what, n)
		}
		seen[n] = true
	}
	if what == "registered-models/search" && len(seen) != want {
		return fmt.Errorf("%s answered %d distinct names, want %d", what, len(seen), want)
	}
	return nil
}
