package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// artifactRoutes serves the mlflow-artifacts proxy from memory.
func (f *fakeServer) artifactRoutes(mux *http.ServeMux) {
	mux.HandleFunc("PUT "+artifactAPI+"/", func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		f.mu.Lock()
		f.files[r.URL.Path] = b
		f.mu.Unlock()
		w.Write([]byte("{}"))
	})
	mux.HandleFunc("GET "+artifactAPI+"/", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		b, ok := f.files[r.URL.Path]
		truncate := f.truncateFile
		f.mu.Unlock()
		if !ok {
			http.Error(w, `{"error_code":"RESOURCE_DOES_NOT_EXIST"}`, http.StatusNotFound)
			return
		}
		if truncate && len(b) > 0 {
			b = b[:len(b)-1]
		}
		w.Write(b)
	})
}

// registryRoutes understands only the filters the benchmark sends:
// name LIKE 'prefix%' and name='model'.
func (f *fakeServer) registryRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST "+api+"/registered-models/create", func(w http.ResponseWriter, r *http.Request) {
		var in struct{ Name string }
		json.NewDecoder(r.Body).Decode(&in)
		f.mu.Lock()
		defer f.mu.Unlock()
		f.models = append(f.models, in.Name)
		w.Write([]byte("{}"))
	})
	mux.HandleFunc("POST "+api+"/model-versions/create", func(w http.ResponseWriter, r *http.Request) {
		var in struct{ Name string }
		json.NewDecoder(r.Body).Decode(&in)
		f.mu.Lock()
		defer f.mu.Unlock()
		f.versions[in.Name] = append(f.versions[in.Name], fmt.Sprint(len(f.versions[in.Name])+1))
		w.Write([]byte("{}"))
	})
	mux.HandleFunc("GET "+api+"/registered-models/search", func(w http.ResponseWriter, r *http.Request) {
		filter := r.URL.Query().Get("filter")
		prefix := strings.TrimSuffix(strings.TrimPrefix(filter, "name LIKE '"), "%'")
		f.mu.Lock()
		defer f.mu.Unlock()
		var out []map[string]string
		for _, m := range f.models {
			if f.ignoreLike || strings.HasPrefix(m, prefix) {
				out = append(out, map[string]string{"name": m})
			}
		}
		writeJSONTo(w, map[string]any{"registered_models": out})
	})
	mux.HandleFunc("GET "+api+"/model-versions/search", func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimSuffix(strings.TrimPrefix(r.URL.Query().Get("filter"), "name='"), "'")
		f.mu.Lock()
		defer f.mu.Unlock()
		var out []map[string]string
		for _, v := range f.versions[name] {
			out = append(out, map[string]string{"name": name, "version": v})
		}
		writeJSONTo(w, map[string]any{"model_versions": out})
	})
}
