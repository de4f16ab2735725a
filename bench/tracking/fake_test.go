package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
)

// fakeServer is an in-memory MLflow tracking server with just the endpoints
// the load generator calls, and switches to make it misbehave.
type fakeServer struct {
	mu      sync.Mutex
	nextID  int
	runs    map[string]*fakeRun
	order   []string // run IDs in creation order
	pageLen int      // get-history page size, so paging is exercised

	failBatch    bool // log-batch answers 500
	ignoreFilter bool // search returns runs whatever the filter
	dropPoint    bool // get-history leaves out one point

	files        map[string][]byte   // artifact proxy, by URL path
	models       []string            // registered model names, in creation order
	versions     map[string][]string // model name to its version numbers
	truncateFile bool                // artifact downloads lose their last byte
	ignoreLike   bool                // registered-models search returns every model
}

type fakeRun struct {
	exp     string
	metrics map[string][]metric
	params  map[string]string
}

func newFakeServer(t *testing.T) (*fakeServer, string) {
	f := &fakeServer{runs: map[string]*fakeRun{}, pageLen: 3000, files: map[string][]byte{}, versions: map[string][]string{}}
	srv := httptest.NewServer(f.routes())
	t.Cleanup(srv.Close)
	return f, srv.URL
}

func (f *fakeServer) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+api+"/experiments/search", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("{}"))
	})
	mux.HandleFunc("POST "+api+"/experiments/create", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.nextID++
		writeJSONTo(w, map[string]string{"experiment_id": strconv.Itoa(f.nextID)})
	})
	mux.HandleFunc("POST "+api+"/runs/create", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			ExperimentID string `json:"experiment_id"`
		}
		json.NewDecoder(r.Body).Decode(&in)
		f.mu.Lock()
		defer f.mu.Unlock()
		f.nextID++
		id := fmt.Sprintf("run%d", f.nextID)
		f.runs[id] = &fakeRun{exp: in.ExperimentID, metrics: map[string][]metric{}, params: map[string]string{}}
		f.order = append(f.order, id)
		writeJSONTo(w, map[string]any{"run": map[string]any{"info": map[string]string{"run_id": id}}})
	})
	mux.HandleFunc("POST "+api+"/runs/log-batch", f.logBatch)
	mux.HandleFunc("POST "+api+"/runs/search", f.search)
	mux.HandleFunc("GET "+api+"/metrics/get-history", f.history)
	f.artifactRoutes(mux)
	f.registryRoutes(mux)
	return mux
}

func (f *fakeServer) logBatch(w http.ResponseWriter, r *http.Request) {
	var in struct {
		RunID   string   `json:"run_id"`
		Metrics []metric `json:"metrics"`
		Params  []param  `json:"params"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	run := f.runs[in.RunID]
	if f.failBatch || run == nil {
		http.Error(w, `{"error_code":"INTERNAL_ERROR"}`, http.StatusInternalServerError)
		return
	}
	for _, m := range in.Metrics {
		run.metrics[m.Key] = append(run.metrics[m.Key], m)
	}
	for _, p := range in.Params {
		run.params[p.Key] = p.Value
	}
	w.Write([]byte("{}"))
}

// search understands only the benchmark's own filter.
func (f *fakeServer) search(w http.ResponseWriter, r *http.Request) {
	var in struct {
		ExperimentIDs []string `json:"experiment_ids"`
		MaxResults    int      `json:"max_results"`
	}
	json.NewDecoder(r.Body).Decode(&in)
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []map[string]any
	for _, id := range f.order {
		run := f.runs[id]
		ms := run.metrics["m"]
		if run.exp != in.ExperimentIDs[0] || len(ms) == 0 {
			continue
		}
		if !f.ignoreFilter && (ms[0].Value <= 0.5 || run.params["p"] != "x") {
			continue
		}
		out = append(out, map[string]any{
			"info": map[string]string{"run_id": id},
			"data": map[string]any{"metrics": ms[:1], "params": []param{{"p", run.params["p"]}}},
		})
		if len(out) == in.MaxResults {
			break
		}
	}
	writeJSONTo(w, map[string]any{"runs": out})
}

func (f *fakeServer) history(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	run := f.runs[r.URL.Query().Get("run_id")]
	if run == nil {
		http.Error(w, `{"error_code":"RESOURCE_DOES_NOT_EXIST"}`, http.StatusNotFound)
		return
	}
	all := run.metrics[r.URL.Query().Get("metric_key")]
	if f.dropPoint && len(all) > 0 {
		all = all[1:]
	}
	start, _ := strconv.Atoi(r.URL.Query().Get("page_token"))
	end := min(start+f.pageLen, len(all))
	out := map[string]any{"metrics": all[start:end]}
	if end < len(all) {
		out["next_page_token"] = strconv.Itoa(end)
	}
	writeJSONTo(w, out)
}

func writeJSONTo(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}
