package sqlstore

import (
	"context"
	"maps"
	"regexp"
	"slices"
	"testing"

	weir "github.com/weir-ml/weir"
	"github.com/weir-ml/weir/tracking"
)

var runIDPattern = regexp.MustCompile(`^[0-9a-f]{32}$`)

func testCreateRun(t *testing.T, newSvc newServiceFunc) {
	ctx := context.Background()
	svc := newSvc(t)
	exp := mustCreateExperiment(t, svc, "runs")
	tests := []struct {
		name     string
		create   tracking.RunCreate
		wantName string // "" means generated
		wantCode string
	}{
		{"named", tracking.RunCreate{ExperimentID: exp, RunName: "first", UserID: "ann", StartTime: 42}, "first", ""},
		{"tag only", tracking.RunCreate{ExperimentID: exp, Tags: []tracking.Tag{{Key: "mlflow.runName", Value: "from-tag"}}}, "from-tag", ""},
		{"both agree", tracking.RunCreate{ExperimentID: exp, RunName: "same", Tags: []tracking.Tag{{Key: "mlflow.runName", Value: "same"}}}, "same", ""},
		{"generated", tracking.RunCreate{ExperimentID: exp}, "", ""},
		{"default experiment", tracking.RunCreate{}, "", ""},
		{"both disagree", tracking.RunCreate{ExperimentID: exp, RunName: "a", Tags: []tracking.Tag{{Key: "mlflow.runName", Value: "b"}}}, "", weir.ErrInvalidParameterValue},
		{"missing experiment", tracking.RunCreate{ExperimentID: "123"}, "", weir.ErrResourceDoesNotExist},
		{"bad experiment id", tracking.RunCreate{ExperimentID: "../x"}, "", weir.ErrInvalidParameterValue},
		{"bad tag", tracking.RunCreate{ExperimentID: exp, Tags: []tracking.Tag{{Key: "/abs", Value: "v"}}}, "", weir.ErrInvalidParameterValue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run, err := svc.CreateRun(ctx, tt.create)
			wantCode(t, err, tt.wantCode)
			if err != nil {
				return
			}
			info := run.Info
			if !runIDPattern.MatchString(info.RunID) {
				t.Errorf("run id %q is not 32 lowercase hex digits", info.RunID)
			}
			wantExp := tt.create.ExperimentID
			if wantExp == "" {
				wantExp = "0"
			}
			if info.ExperimentID != wantExp || info.Status != tracking.StatusRunning || info.LifecycleStage != "active" ||
				info.EndTime != nil || info.UserID != tt.create.UserID {
				t.Errorf("info = %+v", info)
			}
			if want := "mlflow-artifacts:/" + wantExp + "/" + info.RunID + "/artifacts"; info.ArtifactURI != want {
				t.Errorf("artifact uri = %q, want %q", info.ArtifactURI, want)
			}
			if tt.create.StartTime != 0 && info.StartTime != tt.create.StartTime || info.StartTime == 0 {
				t.Errorf("start time = %d, want %d or now", info.StartTime, tt.create.StartTime)
			}
			if tt.wantName != "" && info.RunName != tt.wantName {
				t.Errorf("run name = %q, want %q", info.RunName, tt.wantName)
			}
			if info.RunName == "" {
				t.Error("run name is empty")
			}
			if got := tagMap(run.Data.Tags)["mlflow.runName"]; got != info.RunName {
				t.Errorf("mlflow.runName tag = %q, want %q", got, info.RunName)
			}
			got := mustGetRun(t, svc, info.RunID)
			if got.Info.RunName != info.RunName || len(got.Data.Tags) != len(run.Data.Tags) {
				t.Errorf("GetRun = %+v, want %+v", got, run)
			}
		})
	}
}

func testGetRunMissing(t *testing.T, newSvc newServiceFunc) {
	svc := newSvc(t)
	_, err := svc.GetRun(context.Background(), "0123456789abcdef0123456789abcdef")
	wantCode(t, err, weir.ErrResourceDoesNotExist)
	if got, want := weir.ErrorMessage(err), "Run with id=0123456789abcdef0123456789abcdef not found"; got != want {
		t.Errorf("message = %q, want %q", got, want)
	}
	_, err = svc.GetRun(context.Background(), "")
	wantCode(t, err, weir.ErrInvalidParameterValue)
}

func testUpdateRun(t *testing.T, newSvc newServiceFunc) {
	ctx := context.Background()
	svc := newSvc(t)
	run := mustCreateRun(t, svc, tracking.RunCreate{RunName: "before"})
	id := run.Info.RunID
	finished, end, name := tracking.StatusFinished, int64(99), "after"
	info, err := svc.UpdateRun(ctx, id, tracking.RunUpdate{Status: &finished})
	if err != nil {
		t.Fatal(err)
	}
	if info.Status != finished || info.EndTime != nil || info.RunName != "before" {
		t.Errorf("after status update: %+v", info)
	}
	info, err = svc.UpdateRun(ctx, id, tracking.RunUpdate{EndTime: &end, RunName: &name})
	if err != nil {
		t.Fatal(err)
	}
	if info.Status != finished || info.EndTime == nil || *info.EndTime != 99 || info.RunName != "after" {
		t.Errorf("after end/name update: %+v", info)
	}
	if got := tagMap(mustGetRun(t, svc, id).Data.Tags)["mlflow.runName"]; got != "after" {
		t.Errorf("mlflow.runName = %q, want after", got)
	}
	bogus := tracking.RunStatus("DONE")
	_, err = svc.UpdateRun(ctx, id, tracking.RunUpdate{Status: &bogus})
	wantCode(t, err, weir.ErrInvalidParameterValue)
	_, err = svc.UpdateRun(ctx, "ffffffffffffffffffffffffffffffff", tracking.RunUpdate{Status: &finished})
	wantCode(t, err, weir.ErrResourceDoesNotExist)
	if err := svc.DeleteRun(ctx, id); err != nil {
		t.Fatal(err)
	}
	_, err = svc.UpdateRun(ctx, id, tracking.RunUpdate{Status: &finished})
	wantCode(t, err, weir.ErrInvalidParameterValue)
}

func testRunLifecycle(t *testing.T, newSvc newServiceFunc) {
	ctx := context.Background()
	svc := newSvc(t)
	id := mustCreateRun(t, svc, tracking.RunCreate{}).Info.RunID
	steps := []struct {
		name      string
		do        func() error
		wantCode  string
		wantStage string
	}{
		{"delete", func() error { return svc.DeleteRun(ctx, id) }, "", "deleted"},
		{"delete again", func() error { return svc.DeleteRun(ctx, id) }, "", "deleted"},
		{"restore", func() error { return svc.RestoreRun(ctx, id) }, "", "active"},
		{"delete missing", func() error { return svc.DeleteRun(ctx, "abcdef") }, weir.ErrResourceDoesNotExist, "active"},
		{"restore missing", func() error { return svc.RestoreRun(ctx, "abcdef") }, weir.ErrResourceDoesNotExist, "active"},
		{"delete bad id", func() error { return svc.DeleteRun(ctx, "") }, weir.ErrInvalidParameterValue, "active"},
	}
	for _, st := range steps {
		wantCode(t, st.do(), st.wantCode)
		if got := mustGetRun(t, svc, id).Info.LifecycleStage; got != st.wantStage {
			t.Errorf("%s: stage = %q, want %q", st.name, got, st.wantStage)
		}
	}
}

func testLogToInactiveRun(t *testing.T, newSvc newServiceFunc) {
	ctx := context.Background()
	svc := newSvc(t)
	id := mustCreateRun(t, svc, tracking.RunCreate{}).Info.RunID
	if err := svc.SetTag(ctx, id, tracking.Tag{Key: "t", Value: "v"}); err != nil {
		t.Fatal(err)
	}
	if err := svc.DeleteRun(ctx, id); err != nil {
		t.Fatal(err)
	}
	m := tracking.Metric{Key: "m", Value: 1, Timestamp: 1}
	calls := map[string]func() error{
		"LogMetric":  func() error { return svc.LogMetric(ctx, id, m) },
		"LogParam":   func() error { return svc.LogParam(ctx, id, tracking.Param{Key: "p", Value: "1"}) },
		"SetTag":     func() error { return svc.SetTag(ctx, id, tracking.Tag{Key: "t", Value: "v"}) },
		"DeleteTag":  func() error { return svc.DeleteTag(ctx, id, "t") },
		"LogBatch":   func() error { return svc.LogBatch(ctx, id, []tracking.Metric{m}, nil, nil) },
		"LogInputs":  func() error { return svc.LogInputs(ctx, id, nil, []tracking.ModelInput{{ModelID: "m-1"}}) },
		"LogOutputs": func() error { return svc.LogOutputs(ctx, id, []tracking.ModelOutput{{ModelID: "m-1"}}) },
	}
	want := "The run " + id + " must be in the 'active' state. Current state is deleted."
	for _, name := range slices.Sorted(maps.Keys(calls)) {
		err := calls[name]()
		if weir.ErrorCode(err) != weir.ErrInvalidParameterValue || weir.ErrorMessage(err) != want {
			t.Errorf("%s on a deleted run: %v, want INVALID_PARAMETER_VALUE %q", name, err, want)
		}
	}
	missing := "ffffffffffffffffffffffffffffffff"
	for name, err := range map[string]error{
		"LogMetric": svc.LogMetric(ctx, missing, m),
		"LogParam":  svc.LogParam(ctx, missing, tracking.Param{Key: "p", Value: "1"}),
		"SetTag":    svc.SetTag(ctx, missing, tracking.Tag{Key: "t", Value: "v"}),
		"LogBatch":  svc.LogBatch(ctx, missing, []tracking.Metric{m}, nil, nil),
	} {
		if weir.ErrorCode(err) != weir.ErrResourceDoesNotExist {
			t.Errorf("%s on a missing run: %v, want RESOURCE_DOES_NOT_EXIST", name, err)
		}
	}
}

func testParams(t *testing.T, newSvc newServiceFunc) {
	ctx := context.Background()
	svc := newSvc(t)
	id := mustCreateRun(t, svc, tracking.RunCreate{}).Info.RunID
	tests := []struct {
		name     string
		param    tracking.Param
		wantCode string
		wantMsg  string
	}{
		{"first", tracking.Param{Key: "lr", Value: "0.1"}, "", ""},
		{"same value", tracking.Param{Key: "lr", Value: "0.1"}, "", ""},
		{"new value", tracking.Param{Key: "lr", Value: "0.2"}, weir.ErrInvalidParameterValue,
			"Changing param values is not allowed. Param with key='lr' was already logged with value='0.1' for run ID='" + id + "'. Attempted logging new value '0.2'."},
		{"empty value", tracking.Param{Key: "empty", Value: ""}, "", ""},
		{"bad key", tracking.Param{Key: "a//b", Value: "1"}, weir.ErrInvalidParameterValue, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := svc.LogParam(ctx, id, tt.param)
			wantCode(t, err, tt.wantCode)
			if tt.wantMsg != "" && weir.ErrorMessage(err) != tt.wantMsg {
				t.Errorf("message = %q, want %q", weir.ErrorMessage(err), tt.wantMsg)
			}
		})
	}
	got := mustGetRun(t, svc, id).Data.Params
	if want := []tracking.Param{{Key: "empty", Value: ""}, {Key: "lr", Value: "0.1"}}; !slices.Equal(got, want) {
		t.Errorf("params = %v, want %v", got, want)
	}
}

func testTags(t *testing.T, newSvc newServiceFunc) {
	ctx := context.Background()
	svc := newSvc(t)
	id := mustCreateRun(t, svc, tracking.RunCreate{RunName: "orig"}).Info.RunID
	for _, tag := range []tracking.Tag{{Key: "a", Value: "1"}, {Key: "a", Value: "2"}, {Key: "mlflow.runName", Value: "renamed"}} {
		if err := svc.SetTag(ctx, id, tag); err != nil {
			t.Fatal(err)
		}
	}
	run := mustGetRun(t, svc, id)
	if got, want := tagMap(run.Data.Tags), map[string]string{"a": "2", "mlflow.runName": "renamed"}; !maps.Equal(got, want) {
		t.Errorf("tags = %v, want %v", got, want)
	}
	if run.Info.RunName != "renamed" {
		t.Errorf("run name after setting mlflow.runName = %q, want renamed", run.Info.RunName)
	}
	if err := svc.DeleteTag(ctx, id, "a"); err != nil {
		t.Fatal(err)
	}
	err := svc.DeleteTag(ctx, id, "a")
	wantCode(t, err, weir.ErrResourceDoesNotExist)
	if got, want := weir.ErrorMessage(err), "No tag with name: a in run with id "+id; got != want {
		t.Errorf("message = %q, want %q", got, want)
	}
	wantCode(t, svc.SetTag(ctx, id, tracking.Tag{Key: "", Value: "x"}), weir.ErrInvalidParameterValue)
}
