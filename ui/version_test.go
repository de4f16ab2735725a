package ui

import (
	"context"
	"strings"
	"testing"

	"github.com/weir-ml/weir/registry"
	"github.com/weir-ml/weir/tracking"
)

func TestServedVersion(t *testing.T) {
	versions := []*registry.ModelVersion{{Version: "3"}, {Version: "2"}, {Version: "1"}} // newest first
	cases := []struct {
		name    string
		aliases []registry.Alias
		ref     string
		version string
	}{
		// Sorted by name, challenger comes before champion.
		{"champion, not the first alias", []registry.Alias{{Alias: "challenger", Version: "3"}, {Alias: "champion", Version: "1"}}, "@champion", "1"},
		{"the only alias", []registry.Alias{{Alias: "prod", Version: "2"}}, "@prod", "2"},
		{"several aliases, none the champion: the newest version", []registry.Alias{{Alias: "a", Version: "1"}, {Alias: "b", Version: "2"}}, "/3", "3"},
		{"no alias: the newest version", nil, "/3", "3"},
		{"the champion's version is not listed", []registry.Alias{{Alias: "champion", Version: "9"}}, "@champion", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ref, v := servedVersion(&registry.RegisteredModel{Aliases: c.aliases}, versions)
			got := ""
			if v != nil {
				got = v.Version
			}
			if ref != c.ref || got != c.version {
				t.Errorf("got %q version %q, want %q version %q", ref, got, c.ref, c.version)
			}
		})
	}
}

// TestModelPageServesTheChampion: a challenger on the newest version must
// not take the model page's card or commands from the champion.
func TestModelPageServesTheChampion(t *testing.T) {
	h, _, reg := newSample(t)
	reg.models[0].Aliases = append([]registry.Alias{{Alias: "challenger", Version: "2"}}, reg.models[0].Aliases...)
	reg.versions[1].Source = "mlflow-artifacts:/1/aaaa000000000003/artifacts/other"
	body := get(t, h, "/model?name=bank").Body.String()
	for _, want := range []string{
		`value="weir models serve -m models:/bank@champion --port 8080"`,
		`of <a href="/model/version?name=bank&amp;version=1">version 1</a> (@champion).`,
		"Predicts &lt;subscription&gt;.",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the model page lacks %s", want)
		}
	}
}

// TestVersionPageLineage follows a version to its logged model, its source
// run and the run that run is nested in.
func TestVersionPageLineage(t *testing.T) {
	h, tr, reg := newSample(t)
	reg.versions[1].ModelID = "m-abc"
	tr.runs[2].Data.Tags = append(tr.runs[2].Data.Tags, tracking.Tag{Key: tagParent, Value: "aaaa000000000001"})
	h.LoggedModels = fakeLoggedModels{model: &tracking.LoggedModel{ModelID: "m-abc", Name: "model", ModelType: "weir",
		ArtifactURI: "mlflow-artifacts:/1/aaaa000000000003/artifacts/model"}}
	if err := h.Artifacts.Put(context.Background(), "1/aaaa000000000003/artifacts/model/README.md", strings.NewReader("x")); err != nil {
		t.Fatal(err)
	}
	rec := get(t, h, "/model/version?name=bank&version=2")
	if rec.Code != 200 {
		t.Fatalf("status %d", rec.Code)
	}
	body := rec.Body.String()
	for _, want := range []string{
		`value="weir models serve -m models:/bank/2 --port 8080"`,
		`<a href="/runs/aaaa000000000003">long-training</a>`,
		`<dt>Within run</dt><dd><a href="/runs/aaaa000000000001">sweep</a></dd>`,
		`<code>m-abc</code> (model) · weir`,
		`bank-2008 <code>5c1e0a9f</code>`,
		`<td>age</td><td><code>long</code></td><td>required</td>`,
		`From <code>model_card.md</code>.`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the version page lacks %s", want)
		}
	}
	for _, bad := range []string{"/model/version?name=bank", "/model/version?version=1", "/model/version?name=nope&version=1"} {
		if code := get(t, h, bad).Code; code != 400 && code != 404 {
			t.Errorf("%s: status %d, want 400 or 404", bad, code)
		}
	}
}
