package sqlstore

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	weir "github.com/weir-ml/weir"
	"github.com/weir-ml/weir/tracking"
)

func testCreateExperiment(t *testing.T, newSvc newServiceFunc) {
	ctx := context.Background()
	svc := newSvc(t)
	id, err := svc.CreateExperiment(ctx, "exp", "", []tracking.Tag{{Key: "team", Value: "risk"}})
	if err != nil {
		t.Fatal(err)
	}
	if id != "1" {
		t.Errorf("first experiment id = %q, want 1", id)
	}
	exp, err := svc.GetExperiment(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if exp.Name != "exp" || exp.ArtifactLocation != "mlflow-artifacts:/1" || exp.LifecycleStage != "active" ||
		exp.CreationTime == 0 || exp.LastUpdateTime != exp.CreationTime {
		t.Errorf("GetExperiment = %+v", exp)
	}
	if got, want := exp.Tags, []tracking.Tag{{Key: "team", Value: "risk"}}; !slices.Equal(got, want) {
		t.Errorf("tags = %v, want %v", got, want)
	}
	id2, err := svc.CreateExperiment(ctx, "exp2", "s3://bucket/x", nil)
	if err != nil {
		t.Fatal(err)
	}
	if exp2, err := svc.GetExperiment(ctx, id2); err != nil || exp2.ArtifactLocation != "s3://bucket/x" || id2 != "2" {
		t.Errorf("GetExperiment(%q) = %+v, %v; want artifact location s3://bucket/x, id 2", id2, exp2, err)
	}

	errs := []struct {
		name     string
		expName  string
		tags     []tracking.Tag
		wantCode string
		wantMsg  string
	}{
		{"duplicate", "exp", nil, weir.ErrResourceAlreadyExists, "Experiment(name=exp) already exists."},
		{"empty name", "", nil, weir.ErrInvalidParameterValue, ""},
		{"long tag", "x", []tracking.Tag{{Key: "k", Value: strings.Repeat("v", tracking.MaxExperimentTagValueLength+1)}}, weir.ErrInvalidParameterValue, ""},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			_, err := svc.CreateExperiment(ctx, tt.expName, "", tt.tags)
			wantCode(t, err, tt.wantCode)
			if tt.wantMsg != "" && weir.ErrorMessage(err) != tt.wantMsg {
				t.Errorf("message = %q, want %q", weir.ErrorMessage(err), tt.wantMsg)
			}
		})
	}
	_, err = svc.GetExperiment(ctx, "99")
	wantCode(t, err, weir.ErrResourceDoesNotExist)
	if got, want := weir.ErrorMessage(err), "No Experiment with id=99 exists"; got != want {
		t.Errorf("message = %q, want %q", got, want)
	}
	// MLflow parses IDs before looking them up: a non-integer is a bad argument.
	_, err = svc.GetExperiment(ctx, "abc")
	wantCode(t, err, weir.ErrInvalidParameterValue)
	if got, want := weir.ErrorMessage(err), "Invalid experiment ID 'abc'. Experiment ID must be a valid integer."; got != want {
		t.Errorf("message = %q, want %q", got, want)
	}
	_, err = svc.GetExperiment(ctx, "-bad")
	wantCode(t, err, weir.ErrInvalidParameterValue)
}

func testGetExperimentByName(t *testing.T, newSvc newServiceFunc) {
	ctx := context.Background()
	svc := newSvc(t)
	id := mustCreateExperiment(t, svc, "by-name")
	exp, err := svc.GetExperimentByName(ctx, "by-name")
	if err != nil || exp.ID != id {
		t.Fatalf("GetExperimentByName = %+v, %v; want id %s", exp, err, id)
	}
	if err := svc.DeleteExperiment(ctx, id); err != nil {
		t.Fatal(err)
	}
	exp, err = svc.GetExperimentByName(ctx, "by-name")
	if err != nil || exp.LifecycleStage != "deleted" {
		t.Fatalf("GetExperimentByName(deleted) = %+v, %v; want the deleted experiment", exp, err)
	}
	_, err = svc.GetExperimentByName(ctx, "nope")
	wantCode(t, err, weir.ErrResourceDoesNotExist)
	if got, want := weir.ErrorMessage(err), "Could not find experiment with name 'nope'"; got != want {
		t.Errorf("message = %q, want %q", got, want)
	}
	// The name stays reserved while the experiment is deleted.
	_, err = svc.CreateExperiment(ctx, "by-name", "", nil)
	wantCode(t, err, weir.ErrResourceAlreadyExists)
}

func testExperimentLifecycle(t *testing.T, newSvc newServiceFunc) {
	ctx := context.Background()
	svc := newSvc(t)
	id := mustCreateExperiment(t, svc, "life")
	run := mustCreateRun(t, svc, tracking.RunCreate{ExperimentID: id})

	if err := svc.UpdateExperiment(ctx, id, "renamed"); err != nil {
		t.Fatal(err)
	}
	if exp, _ := svc.GetExperiment(ctx, id); exp.Name != "renamed" {
		t.Errorf("name after rename = %q", exp.Name)
	}
	other := mustCreateExperiment(t, svc, "other")
	wantCode(t, svc.UpdateExperiment(ctx, other, "renamed"), weir.ErrResourceAlreadyExists)
	wantCode(t, svc.UpdateExperiment(ctx, id, ""), weir.ErrInvalidParameterValue)
	wantCode(t, svc.UpdateExperiment(ctx, "77", "x"), weir.ErrResourceDoesNotExist)

	if err := svc.DeleteExperiment(ctx, id); err != nil {
		t.Fatal(err)
	}
	if got := mustGetRun(t, svc, run.Info.RunID).Info.LifecycleStage; got != "deleted" {
		t.Errorf("run stage after experiment delete = %q, want deleted", got)
	}
	wantCode(t, svc.DeleteExperiment(ctx, id), weir.ErrResourceDoesNotExist)
	err := svc.UpdateExperiment(ctx, id, "again")
	wantCode(t, err, weir.ErrInvalidState)
	if got, want := weir.ErrorMessage(err), "Cannot rename a non-active experiment."; got != want {
		t.Errorf("message = %q, want %q", got, want)
	}
	_, err = svc.CreateRun(ctx, tracking.RunCreate{ExperimentID: id})
	wantCode(t, err, weir.ErrInvalidParameterValue)
	if got, want := weir.ErrorMessage(err), "The experiment "+id+" must be in the 'active' state. Current state is deleted."; got != want {
		t.Errorf("message = %q, want %q", got, want)
	}

	if err := svc.RestoreExperiment(ctx, id); err != nil {
		t.Fatal(err)
	}
	if got := mustGetRun(t, svc, run.Info.RunID).Info.LifecycleStage; got != "active" {
		t.Errorf("run stage after experiment restore = %q, want active", got)
	}
	wantCode(t, svc.RestoreExperiment(ctx, id), weir.ErrResourceDoesNotExist)
	wantCode(t, svc.RestoreExperiment(ctx, "55"), weir.ErrResourceDoesNotExist)
}

func testExperimentTags(t *testing.T, newSvc newServiceFunc) {
	ctx := context.Background()
	svc := newSvc(t)
	id := mustCreateExperiment(t, svc, "tags")
	for _, kv := range [][2]string{{"a", "1"}, {"b", "2"}, {"a", "3"}} {
		if err := svc.SetExperimentTag(ctx, id, kv[0], kv[1]); err != nil {
			t.Fatal(err)
		}
	}
	exp, _ := svc.GetExperiment(ctx, id)
	if got, want := tagMap(exp.Tags), map[string]string{"a": "3", "b": "2"}; !maps.Equal(got, want) {
		t.Errorf("tags = %v, want %v", got, want)
	}
	if err := svc.DeleteExperimentTag(ctx, id, "a"); err != nil {
		t.Fatal(err)
	}
	err := svc.DeleteExperimentTag(ctx, id, "a")
	wantCode(t, err, weir.ErrResourceDoesNotExist)
	if got, want := weir.ErrorMessage(err), "No tag with name: a in experiment with id "+id; got != want {
		t.Errorf("message = %q, want %q", got, want)
	}
	wantCode(t, svc.SetExperimentTag(ctx, "404", "k", "v"), weir.ErrResourceDoesNotExist)
	wantCode(t, svc.SetExperimentTag(ctx, id, "", "v"), weir.ErrInvalidParameterValue)
	if err := svc.DeleteExperiment(ctx, id); err != nil {
		t.Fatal(err)
	}
	wantCode(t, svc.SetExperimentTag(ctx, id, "k", "v"), weir.ErrInvalidParameterValue)
	wantCode(t, svc.DeleteExperimentTag(ctx, id, "b"), weir.ErrInvalidParameterValue)
}

func testSearchExperiments(t *testing.T, newSvc newServiceFunc) {
	ctx := context.Background()
	svc := newSvc(t)
	db := svc.(*TrackingService).db
	clock := int64(1000)
	db.Now = func() time.Time { clock += 10; return time.UnixMilli(clock) }
	mustCreateExperiment(t, svc, "Alpha", tracking.Tag{Key: "team", Value: "Risk"})
	mustCreateExperiment(t, svc, "beta", tracking.Tag{Key: "team", Value: "growth"})
	mustCreateExperiment(t, svc, "gamma")
	del := mustCreateExperiment(t, svc, "delta")
	if err := svc.DeleteExperiment(ctx, del); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		filter  string
		orderBy []string
		view    tracking.ViewType
		want    []string // names
	}{
		{"", nil, 0, []string{"Default", "gamma", "beta", "Alpha"}}, // Default was created at Open, with the real clock
		{"", nil, tracking.AllViews, []string{"Default", "delta", "gamma", "beta", "Alpha"}},
		{"", nil, tracking.DeletedOnly, []string{"delta"}},
		{"", []string{"name"}, 0, []string{"Alpha", "Default", "beta", "gamma"}},
		{"", []string{"experiment_id DESC"}, 0, []string{"gamma", "beta", "Alpha", "Default"}},
		{"name = 'beta'", nil, 0, []string{"beta"}},
		{"name = 'BETA'", nil, 0, nil},
		{"name LIKE '%a'", []string{"name"}, 0, []string{"Alpha", "beta", "gamma"}},
		{"name LIKE 'a%'", nil, 0, nil},
		{"name ILIKE 'a%'", nil, 0, []string{"Alpha"}},
		{"name != 'beta'", []string{"name"}, 0, []string{"Alpha", "Default", "gamma"}},
		{"tags.team = 'Risk'", nil, 0, []string{"Alpha"}},
		{"tags.team ILIKE 'risk'", nil, 0, []string{"Alpha"}},
		{"tags.team LIKE 'risk'", nil, 0, nil},
		{"tags.team IS NULL", []string{"name"}, 0, []string{"Default", "gamma"}},
		{"tags.team IS NOT NULL", []string{"name"}, 0, []string{"Alpha", "beta"}},
		{"creation_time > 1015 AND creation_time < 5000", []string{"name"}, 0, []string{"beta", "gamma"}},
		{"experiment_id IN ('1', '3')", []string{"name"}, 0, []string{"Alpha", "gamma"}},
		{"experiment_id != '0'", []string{"name"}, 0, []string{"Alpha", "beta", "gamma"}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s|%v|%d", tt.filter, tt.orderBy, tt.view), func(t *testing.T) {
			exps, next, err := svc.SearchExperiments(ctx, tracking.ExperimentSearch{Filter: tt.filter, OrderBy: tt.orderBy, ViewType: tt.view})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range exps {
				got = append(got, e.Name)
			}
			if !slices.Equal(got, tt.want) || next != "" {
				t.Errorf("names = %v, next %q; want %v", got, next, tt.want)
			}
		})
	}

	// Paging two at a time visits every experiment once, in order.
	var got []string
	token := ""
	for range 10 {
		exps, next, err := svc.SearchExperiments(ctx, tracking.ExperimentSearch{MaxResults: 2, PageToken: token, ViewType: tracking.AllViews})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range exps {
			got = append(got, e.Name)
		}
		if token = next; token == "" {
			break
		}
	}
	if want := []string{"Default", "delta", "gamma", "beta", "Alpha"}; !slices.Equal(got, want) {
		t.Errorf("paged names = %v, want %v", got, want)
	}

	for _, s := range []tracking.ExperimentSearch{
		{MaxResults: -1}, {MaxResults: 50001}, {PageToken: "!!"}, {Filter: "name = "}, {OrderBy: []string{"bogus"}}, {ViewType: 9},
	} {
		_, _, err := svc.SearchExperiments(ctx, s)
		wantCode(t, err, weir.ErrInvalidParameterValue)
	}
}

func TestResolveLocal(t *testing.T) {
	cwd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ in, want string }{
		{"", ""},
		{"s3://bucket/x", "s3://bucket/x"},
		{"mlflow-artifacts:/", "mlflow-artifacts:/"},
		{"mlflow-artifacts:/3", "mlflow-artifacts:/3"},
		{"/abs/dir", "/abs/dir"},
		{"file:///abs/dir", "file:///abs/dir"},
		{"rel/dir", filepath.Join(cwd, "rel/dir")},
		{"./mlruns", filepath.Join(cwd, "mlruns")},
		{"file:rel", "file://" + filepath.ToSlash(filepath.Join(cwd, "rel"))},
	}
	for _, tt := range tests {
		got, err := resolveLocal(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("resolveLocal(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}
