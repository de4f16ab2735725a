package ui

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/registry"
	"github.com/weir-ml/weir/tracking"
)

func get(t *testing.T, h http.Handler, target string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", target, nil))
	return rec
}

func post(t *testing.T, h http.Handler, target string, form url.Values, site string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest("POST", target, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if site != "" {
		req.Header.Set("Sec-Fetch-Site", site)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestArtifactResponses(t *testing.T) {
	h, _, _ := newSample(t)
	const run = "/runs/aaaa000000000003"
	cases := []struct {
		name, url   string
		status      int
		contentType string
		disposition string // prefix
	}{
		{"html report in the sandbox", "/sandbox" + run + "/report.html", 200, "text/html; charset=utf-8", ""},
		{"text as a download", run + "/download?path=notes.txt", 200, "text/plain; charset=utf-8", "attachment"},
		{"html as a download is not html", run + "/download?path=report.html", 200, "application/octet-stream", "attachment"},
		{"image inline", run + "/download?path=plots/roc.png&inline=1", 200, "image/png", ""},
		{"traversal", run + "/download?path=../../../etc/passwd", 400, "application/json", ""},
		{"sandbox traversal", "/sandbox" + run + "/..%2f..%2fsecret", 400, "application/json", ""},
		{"missing file", run + "/download?path=nope.txt", 404, "application/json", ""},
		{"missing run", "/runs/nope/download?path=notes.txt", 404, "application/json", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := get(t, h, c.url)
			if got, want := rec.Code, c.status; got != want {
				t.Fatalf("status %d, want %d: %s", got, want, rec.Body)
			}
			if got, want := rec.Header().Get("Content-Type"), c.contentType; got != want {
				t.Errorf("Content-Type %q, want %q", got, want)
			}
			if got := rec.Header().Get("Content-Disposition"); !strings.HasPrefix(got, c.disposition) || (c.disposition == "") != (got == "") {
				t.Errorf("Content-Disposition %q, want prefix %q", got, c.disposition)
			}
			if c.status == 200 {
				if got, want := rec.Header().Get("Content-Security-Policy"), sandboxCSP; got != want {
					t.Errorf("CSP %q, want %q", got, want)
				}
			}
		})
	}
}

func TestSeries(t *testing.T) {
	h, _, _ := newSample(t)
	cases := []struct {
		name, query    string
		status         int
		wantLen, total int
		firstX         float64
	}{
		{"whole history", "run=aaaa000000000003&key=loss", 200, 50, 50, 0},
		{"downsampled", "run=aaaa000000000003&key=loss&points=10", 200, 10, 50, 0},
		{"zoomed", "run=aaaa000000000003&key=loss&from=10&to=19.5", 200, 10, 10, 10},
		{"relative time", "run=aaaa000000000003&key=loss&x=rel&points=5", 200, 5, 50, -14400},
		{"no key", "run=aaaa000000000003", 400, 0, 0, 0},
		{"unknown run", "run=nope&key=loss", 404, 0, 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := get(t, h, "/ui-data/series?"+c.query)
			if got, want := rec.Code, c.status; got != want {
				t.Fatalf("status %d, want %d: %s", got, want, rec.Body)
			}
			if c.status != 200 {
				return
			}
			var r struct {
				Series []struct {
					Points int       `json:"points"`
					X      []float64 `json:"x"`
					Y      []float64 `json:"y"`
				} `json:"series"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
				t.Fatal(err)
			}
			s := r.Series[0]
			if len(s.X) != c.wantLen || len(s.Y) != c.wantLen || s.Points != c.total {
				t.Errorf("got %d/%d points of %d, want %d of %d", len(s.X), len(s.Y), s.Points, c.wantLen, c.total)
			}
			if s.X[0] != c.firstX {
				t.Errorf("first x = %v, want %v", s.X[0], c.firstX)
			}
		})
	}
}

func TestExperimentActions(t *testing.T) {
	h, tr, _ := newSample(t)
	cases := []struct {
		name, url string
		form      url.Values
		site      string
		status    int
		location  string
		call      string
	}{
		{"create", "/experiments", url.Values{"name": {"new one"}}, "same-origin", 303, "/experiments/103", "create new one"},
		{"create without a name", "/experiments", url.Values{"name": {" "}}, "same-origin", 400, "", ""},
		{"rename", "/experiments/1/rename", url.Values{"name": {"bank"}}, "same-origin", 303, "/experiments/1", "rename 1 bank"},
		{"delete", "/experiments/1/delete", nil, "same-origin", 303, "/experiments?view=deleted", "delete 1"},
		{"restore", "/experiments/1/restore", nil, "", 303, "/experiments/1", "restore 1"},
		{"cross-site post refused", "/experiments/1/delete", nil, "cross-site", 403, "", ""},
		{"missing experiment", "/experiments/77/delete", nil, "same-origin", 404, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := len(tr.calls)
			rec := post(t, h, c.url, c.form, c.site)
			if got, want := rec.Code, c.status; got != want {
				t.Fatalf("status %d, want %d: %s", got, want, rec.Body)
			}
			if got, want := rec.Header().Get("Location"), c.location; got != want {
				t.Errorf("Location %q, want %q", got, want)
			}
			var got string
			if len(tr.calls) > before {
				got = tr.calls[len(tr.calls)-1]
			}
			if got != c.call {
				t.Errorf("store call %q, want %q", got, c.call)
			}
		})
	}
}

func TestModelActions(t *testing.T) {
	h, _, reg := newSample(t)
	rec := post(t, h, "/model/alias", url.Values{"name": {"bank"}, "alias": {"challenger"}, "version": {"2"}}, "same-origin")
	if got, want := rec.Code, 303; got != want {
		t.Fatalf("set alias: status %d, want %d: %s", got, want, rec.Body)
	}
	if got, want := rec.Header().Get("Location"), "/model?name=bank"; got != want {
		t.Errorf("Location %q, want %q", got, want)
	}
	if !slices.Contains(reg.models[0].Aliases, struct{ Alias, Version string }{"challenger", "2"}) {
		t.Errorf("aliases = %v, want challenger → 2", reg.models[0].Aliases)
	}
	rec = post(t, h, "/model/alias", url.Values{"name": {"bank"}, "alias": {"x"}, "version": {"9"}}, "same-origin")
	if got, want := rec.Code, 400; got != want {
		t.Errorf("alias to a missing version: status %d, want %d", got, want)
	}
	if !strings.Contains(rec.Body.String(), "Model version 9 of bank does not exist.") {
		t.Errorf("the store's message is not shown: %s", rec.Body)
	}
	rec = post(t, h, "/model/alias", url.Values{"name": {"bank"}, "alias": {"challenger"}}, "same-origin")
	if rec.Code != 303 || len(reg.models[0].Aliases) != 1 {
		t.Errorf("remove alias: status %d, aliases %v", rec.Code, reg.models[0].Aliases)
	}
	rec = post(t, h, "/model/description", url.Values{"name": {"bank"}, "description": {"New <text>"}}, "same-origin")
	if got, want := reg.models[0].Description, "New <text>"; rec.Code != 303 || got != want {
		t.Errorf("description: status %d, got %q, want %q", rec.Code, got, want)
	}
}

func TestWithoutRegistryOrArtifacts(t *testing.T) {
	_, tr, _ := newSample(t)
	h := NewHandler(tr, nil, nil)
	if got, want := get(t, h, "/models").Code, 404; got != want {
		t.Errorf("/models without a registry: status %d, want %d", got, want)
	}
	rec := get(t, h, "/runs/aaaa000000000003/artifacts")
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "This server does not serve artifacts.") {
		t.Errorf("artifacts without a store: status %d, body lacks the reason", rec.Code)
	}
}

func TestCompareNeedsTwoRuns(t *testing.T) {
	h, _, _ := newSample(t)
	rec := get(t, h, "/compare?run=aaaa000000000003")
	if got, want := rec.Code, 400; got != want {
		t.Errorf("status %d, want %d", got, want)
	}
}

func TestAssets(t *testing.T) {
	h, _, _ := newSample(t)
	for _, name := range []string{"ui.css", "ui.js", "charts.js", "favicon.svg"} {
		rec := get(t, h, "/assets/"+name)
		if rec.Code != 200 || rec.Body.Len() == 0 {
			t.Errorf("/assets/%s: status %d, %d bytes", name, rec.Code, rec.Body.Len())
		}
	}
}

// TestSeriesCacheSeesNewValues checks that a chart asked again reads the
// history from the cache while nothing changed, and shows new points at
// once when the run logged more: through this server (the latest value
// moves) or through another sharing the database, even a point that
// leaves the latest value alone (an earlier step).
func TestSeriesCacheSeesNewValues(t *testing.T) {
	h, tr, _ := newSample(t)
	const u = "/ui-data/series?run=aaaa000000000003&key=loss"
	count := func() int {
		var r struct {
			Series []struct{ Points int } `json:"series"`
		}
		rec := get(t, h, u)
		if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		return r.Series[0].Points
	}
	if got, want := count(), 50; got != want {
		t.Fatalf("points = %d, want %d", got, want)
	}
	if got, want := count(), 50; got != want || tr.historyReads != 1 {
		t.Errorf("asked again: %d points after %d whole reads, want %d from the cache after 1", got, tr.historyReads, want)
	}
	tr.history["aaaa000000000003/loss"] = append(tr.history["aaaa000000000003/loss"], tracking.Metric{Key: "loss", Value: 0.5, Step: -1})
	if got, want := count(), 51; got != want {
		t.Errorf("points after another server logged an earlier step = %d, want %d", got, want)
	}
	tr.history["aaaa000000000003/loss"] = append(tr.history["aaaa000000000003/loss"], tracking.Metric{Key: "loss", Value: 0.01, Step: 50})
	run := tr.runs[2]
	run.Data.Metrics[1] = tracking.Metric{Key: "loss", Value: 0.01, Step: 50}
	if got, want := count(), 52; got != want {
		t.Errorf("points after logging = %d, want %d", got, want)
	}
}

// countingTracking adds the optional RunCounter to the fake.
type countingTracking struct{ *fakeTracking }

func (c countingTracking) CountRuns(ctx context.Context, ids []string) (map[string]int, map[string]int64, error) {
	return map[string]int{"1": 12345}, map[string]int64{"1": t0}, nil
}

func TestExperimentsUseRunCounter(t *testing.T) {
	_, tr, _ := newSample(t)
	h := NewHandler(countingTracking{tr}, nil, nil)
	body := get(t, h, "/experiments").Body.String()
	if !strings.Contains(body, `<td class="num">12345</td>`) {
		t.Errorf("the count from CountRuns is not shown:\n%s", body)
	}
	// Without it, the sample's five runs of experiment 1 are counted by reading them.
	body = get(t, NewHandler(tr, nil, nil), "/experiments").Body.String()
	if !strings.Contains(body, `<td class="num">5</td>`) {
		t.Errorf("the counted runs are not shown:\n%s", body)
	}
}

// fakeLoggedModels resolves one logged model.
type fakeLoggedModels struct {
	tracking.LoggedModelService
	model *tracking.LoggedModel
}

func (f fakeLoggedModels) GetLoggedModel(ctx context.Context, id string) (*tracking.LoggedModel, error) {
	if id != f.model.ModelID {
		return nil, weir.Errorf(weir.ErrResourceDoesNotExist, "Logged model %s not found.", id)
	}
	return f.model, nil
}

// TestModelCardOfLoggedModel follows a models:/m-... source, as Weir's
// pipeline and MLflow 3 register them, to the logged model's files.
func TestModelCardOfLoggedModel(t *testing.T) {
	h, _, reg := newSample(t)
	reg.versions[0].Version, reg.versions[0].Source, reg.versions[0].ModelID = "3", "models:/m-abc", "m-abc"
	reg.versions[0], reg.versions[1] = reg.versions[1], reg.versions[0] // newest first
	reg.models[0].Aliases = []registry.Alias{{Alias: "champion", Version: "3"}}
	err := h.Artifacts.Put(context.Background(), "1/models/m-abc/artifacts/README.md", strings.NewReader("Logged model card"))
	if err != nil {
		t.Fatal(err)
	}
	body := get(t, h, "/model?name=bank").Body.String()
	if strings.Contains(body, "Logged model card") {
		t.Fatalf("the card was found without a LoggedModelService")
	}
	h.LoggedModels = fakeLoggedModels{model: &tracking.LoggedModel{ModelID: "m-abc", ArtifactURI: "mlflow-artifacts:/1/models/m-abc/artifacts"}}
	body = get(t, h, "/model?name=bank").Body.String()
	if !strings.Contains(body, "Logged model card") || !strings.Contains(body, "From <code>README.md</code>") {
		t.Errorf("the logged model's card is not shown:\n%s", body)
	}
}

func TestRunsColumnsFromURL(t *testing.T) {
	h, _, _ := newSample(t)
	body := get(t, h, "/experiments/1?m=&m=auc&m=auc&p=+&t=team").Body.String()
	if got, want := strings.Count(body, `<span class="kind">metric</span>`), 1; got != want {
		t.Errorf("metric columns = %d, want %d (blank and repeated keys dropped)", got, want)
	}
	if got, want := strings.Count(body, `<span class="kind">param</span>`), 0; got != want {
		t.Errorf("param columns = %d, want %d", got, want)
	}
	if !strings.Contains(body, `<span class="kind">tag</span> team`) {
		t.Errorf("the tag column chosen in the URL is missing")
	}
}
