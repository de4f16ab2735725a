package sqlstore

import (
	"context"
	"fmt"
	"slices"
	"testing"

	weir "github.com/weir-ml/weir"
	"github.com/weir-ml/weir/registry"
	"github.com/weir-ml/weir/tracking"
)

// modelNames lists the names of ms in order.
func modelNames(ms []*registry.RegisteredModel) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Name
	}
	return out
}

func testSearchRegisteredModels(t *testing.T, f *fixture) {
	ctx := context.Background()
	// Created in this order, so creation time orders them b, a, C, prompt.
	mustCreateModel(t, f, "b", registry.Tag{Key: "team", Value: "risk"})
	mustCreateModel(t, f, "a", registry.Tag{Key: "team", Value: "Growth"})
	mustCreateModel(t, f, "C")
	mustCreateModel(t, f, "prompt", registry.Tag{Key: promptTag, Value: "true"})
	mustCreateModel(t, f, "notprompt", registry.Tag{Key: promptTag, Value: "false"})
	if _, err := f.reg.UpdateRegisteredModel(ctx, "b", "touched"); err != nil { // b is now the last updated
		t.Fatal(err)
	}
	tests := []struct {
		filter  string
		orderBy []string
		want    []string
		code    string
	}{
		{"", nil, []string{"C", "a", "b", "notprompt"}, ""},
		{"name = 'a'", nil, []string{"a"}, ""},
		{"name != 'a'", nil, []string{"C", "b", "notprompt"}, ""},
		{"name LIKE '%o%'", nil, []string{"notprompt"}, ""},
		{"name ILIKE 'c'", nil, []string{"C"}, ""},
		{"name LIKE 'c'", nil, nil, ""},
		{"name IN ('a', 'C')", nil, []string{"C", "a"}, ""},
		{"tags.team = 'risk'", nil, []string{"b"}, ""},
		{"tags.team ILIKE 'g%'", nil, []string{"a"}, ""},
		{"tags.team != 'risk'", nil, []string{"a"}, ""},
		{"tags.team LIKE '%' AND name = 'a'", nil, []string{"a"}, ""},
		// Prompts: left out unless asked for; != 'true' matches models without the tag.
		{"tags.`mlflow.prompt.is_prompt` != 'true'", nil, []string{"C", "a", "b", "notprompt"}, ""},
		{"tags.`mlflow.prompt.is_prompt` = 'false'", nil, []string{"C", "a", "b", "notprompt"}, ""},
		{"tags.`mlflow.prompt.is_prompt` = 'true'", nil, []string{"prompt"}, ""},
		{"tags.`mlflow.prompt.is_prompt` != 'false'", nil, []string{"prompt"}, ""},
		{"", []string{"name DESC"}, []string{"notprompt", "b", "a", "C"}, ""},
		{"", []string{"timestamp"}, []string{"b", "a", "C", "notprompt"}, ""},
		{"", []string{"creation_timestamp DESC"}, []string{"notprompt", "C", "a", "b"}, ""},
		{"", []string{"last_updated_timestamp DESC"}, []string{"b", "notprompt", "C", "a"}, ""},
		{"", []string{"name", "name DESC"}, nil, weir.ErrInvalidParameterValue},
		{"", []string{"tags.team"}, nil, weir.ErrInvalidParameterValue},
		{"run_id = 'x'", nil, nil, weir.ErrInvalidParameterValue},
		{"tags.team IS NULL", nil, nil, weir.ErrInvalidParameterValue},
		{"name = 'a' OR name = 'b'", nil, nil, weir.ErrInvalidParameterValue},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s|%v", tt.filter, tt.orderBy), func(t *testing.T) {
			ms, next, err := f.reg.SearchRegisteredModels(ctx, registry.Search{Filter: tt.filter, OrderBy: tt.orderBy})
			if got := weir.ErrorCode(err); got != tt.code {
				t.Fatalf("code %q (%v), want %q", got, err, tt.code)
			}
			if got := modelNames(ms); err == nil && (!slices.Equal(got, tt.want) || next != "") {
				t.Errorf("got %v next %q, want %v", got, next, tt.want)
			}
		})
	}
	for _, n := range []int{-1, 1001} {
		if _, _, err := f.reg.SearchRegisteredModels(ctx, registry.Search{MaxResults: n}); weir.ErrorCode(err) != weir.ErrInvalidParameterValue {
			t.Errorf("max_results %d: %v", n, err)
		}
	}
	if _, _, err := f.reg.SearchRegisteredModels(ctx, registry.Search{PageToken: "garbage!"}); weir.ErrorCode(err) != weir.ErrInvalidParameterValue {
		t.Errorf("bad page token: %v", err)
	}
}

func testSearchRegisteredModelsPaging(t *testing.T, f *fixture) {
	ctx := context.Background()
	var want []string
	for i := range 7 {
		name := fmt.Sprintf("model-%02d", i)
		mustCreateModel(t, f, name)
		mustCreateVersion(t, f, name)
		want = append(want, name)
	}
	var got []string
	token := ""
	for pages := 0; ; pages++ {
		ms, next, err := f.reg.SearchRegisteredModels(ctx, registry.Search{MaxResults: 3, PageToken: token})
		if err != nil {
			t.Fatal(err)
		}
		if pages > 3 || len(ms) > 3 {
			t.Fatalf("page %d has %d models", pages, len(ms))
		}
		for _, m := range ms {
			if len(m.LatestVersions) != 1 {
				t.Errorf("%s latest versions = %d, want 1", m.Name, len(m.LatestVersions))
			}
		}
		got = append(got, modelNames(ms)...)
		if next == "" {
			break
		}
		token = next
	}
	if !slices.Equal(got, want) {
		t.Errorf("pages = %v, want %v", got, want)
	}
}

func testSearchModelVersions(t *testing.T, f *fixture) {
	ctx := context.Background()
	run := mustCreateRun(t, f.tr, tracking.RunCreate{}).Info.RunID
	mustCreateModel(t, f, "a")
	mustCreateModel(t, f, "b")
	mustCreateVersion(t, f, "a", registry.Tag{Key: "k", Value: "x"}) // a/1
	mustCreateVersion(t, f, "b")                                     // b/1
	if _, err := f.reg.CreateModelVersion(ctx, registry.VersionCreate{Name: "a", Source: "runs:/" + run + "/m"}); err != nil {
		t.Fatal(err) // a/2
	}
	mustCreateVersion(t, f, "b") // b/2
	mustCreateModel(t, f, "p", registry.Tag{Key: promptTag, Value: "true"})
	// A prompt version's source is MLflow's placeholder: it has no files.
	if _, err := f.reg.CreateModelVersion(ctx, registry.VersionCreate{Name: "p", Source: "dummy-source",
		Tags: []registry.Tag{{Key: promptTag, Value: "true"}}}); err != nil {
		t.Fatal(err) // p/1
	}
	if _, err := f.reg.UpdateModelVersion(ctx, "a", "1", "touch"); err != nil {
		t.Fatal(err) // a/1 is the last updated
	}
	tests := []struct {
		filter  string
		orderBy []string
		want    []string
		code    string
	}{
		{"", nil, []string{"a/1", "b/2", "a/2", "b/1"}, ""},
		{"name = 'a'", nil, []string{"a/1", "a/2"}, ""},
		{"name IN ('b')", nil, []string{"b/2", "b/1"}, ""},
		{"run_id = '" + run + "'", nil, []string{"a/2"}, ""},
		{"run_id IN ('" + run + "', 'x')", nil, []string{"a/2"}, ""},
		{"source_path LIKE 's3://%'", nil, []string{"a/1", "b/2", "b/1"}, ""},
		{"version_number = 2", nil, []string{"b/2", "a/2"}, ""},
		{"version_number > 1 AND name = 'b'", nil, []string{"b/2"}, ""},
		{"version_number IN (1)", nil, []string{"a/1", "b/1"}, ""},
		{"version_number = '1' AND name = 'b'", nil, []string{"b/1"}, ""},
		{"tags.k = 'x'", nil, []string{"a/1"}, ""},
		{"tags.`mlflow.prompt.is_prompt` = 'true'", nil, []string{"p/1"}, ""},
		{"", []string{"name", "version_number"}, []string{"a/1", "a/2", "b/1", "b/2"}, ""},
		{"", []string{"creation_timestamp DESC"}, []string{"b/2", "a/2", "b/1", "a/1"}, ""},
		{"", []string{"name DESC"}, []string{"b/2", "b/1", "a/2", "a/1"}, ""},
		{"", []string{"version_number", "version_number"}, nil, weir.ErrInvalidParameterValue},
		{"version_number = 'x'", nil, nil, weir.ErrInvalidParameterValue},
		{"status = 'READY'", nil, nil, weir.ErrInvalidParameterValue},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s|%v", tt.filter, tt.orderBy), func(t *testing.T) {
			mvs, _, err := f.reg.SearchModelVersions(ctx, registry.Search{Filter: tt.filter, OrderBy: tt.orderBy})
			if got := weir.ErrorCode(err); got != tt.code {
				t.Fatalf("code %q (%v), want %q", got, err, tt.code)
			}
			if got := versionNumbers(mvs); err == nil && !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	mvs, next, err := f.reg.SearchModelVersions(ctx, registry.Search{MaxResults: 3})
	if err != nil || len(mvs) != 3 || next == "" {
		t.Fatalf("first page: %d versions, next %q, %v", len(mvs), next, err)
	}
	rest, next, err := f.reg.SearchModelVersions(ctx, registry.Search{MaxResults: 3, PageToken: next})
	if err != nil || !slices.Equal(versionNumbers(rest), []string{"b/1"}) || next != "" {
		t.Errorf("second page = %v, next %q, %v", versionNumbers(rest), next, err)
	}
	for _, n := range []int{-1, maxVersionResults + 1} {
		if _, _, err := f.reg.SearchModelVersions(ctx, registry.Search{MaxResults: n}); weir.ErrorCode(err) != weir.ErrInvalidParameterValue {
			t.Errorf("max_results %d: %v", n, err)
		}
	}
}
