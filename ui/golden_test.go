package ui

import (
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestGoldenPages renders every page over the sample world and compares
// the HTML byte for byte with testdata/*.html (go test -update rewrites).
func TestGoldenPages(t *testing.T) {
	cases := []struct {
		name, url string
		status    int
	}{
		{"experiments", "/", 200},
		{"experiments_deleted", "/experiments?view=deleted", 200},
		{"experiments_search", "/experiments?q=bank", 200},
		{"runs", "/experiments/1", 200},
		{"runs_filter", "/experiments/1?filter=metrics.auc+%3E+0.8", 200},
		{"runs_filter_error", "/experiments/1?filter=metrics.auc+%3E%3E+0.8", 200},
		{"runs_sorted_paged", "/experiments/1?order=metrics.%60auc%60+DESC&n=2&m=auc&p=model", 200},
		{"run", "/runs/aaaa000000000003", 200},
		{"run_child", "/runs/aaaa000000000002", 200},
		{"artifacts_root", "/runs/aaaa000000000003/artifacts", 200},
		{"artifact_text", "/runs/aaaa000000000003/artifacts?path=notes.txt", 200},
		{"artifact_json", "/runs/aaaa000000000003/artifacts?path=metrics.json", 200},
		{"artifact_csv", "/runs/aaaa000000000003/artifacts?path=sample.csv", 200},
		{"artifact_image", "/runs/aaaa000000000003/artifacts?path=plots/roc.png", 200},
		{"artifact_html", "/runs/aaaa000000000003/artifacts?path=report.html", 200},
		{"artifact_mlmodel", "/runs/aaaa000000000003/artifacts?path=model/MLmodel", 200},
		{"compare", "/compare?run=aaaa000000000002&run=aaaa000000000003&run=aaaa000000000004", 200},
		{"models", "/models", 200},
		{"model", "/model?name=bank", 200},
		{"version", "/model/version?name=bank&version=1", 200},
		{"version_missing", "/model/version?name=bank&version=9", 404},
		{"runs_pinned", "/experiments/1?m=auc&p=model&p=max_depth&pin=p:max_depth", 200},
		{"monitoring", "/model/monitoring?name=bank", 200},
		{"not_found", "/runs/nope", 404},
	}
	h, _, _ := newSample(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", c.url, nil))
			if got, want := rec.Code, c.status; got != want {
				t.Errorf("GET %s: status %d, want %d\n%s", c.url, got, want, rec.Body)
			}
			if got, want := rec.Header().Get("Content-Security-Policy"), pageCSP; got != want {
				t.Errorf("CSP = %q, want %q", got, want)
			}
			checkGolden(t, c.name, rec.Body.Bytes())
		})
	}
}

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".html")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(got) != string(want) {
		t.Errorf("%s differs from %s (go test -update rewrites it); got:\n%s", name, path, got)
	}
}

var _ http.Handler = (*Handler)(nil)
