package sqlstore

import (
	"context"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	weir "github.com/weir-ml/weir"
	"github.com/weir-ml/weir/registry"
	"github.com/weir-ml/weir/tracking"
)

// newDBFunc opens an empty database for one test, so that the registry and
// logged-model suites can run on every database the store supports.
type newDBFunc func(tb testing.TB) *DB

// fixture is the services of one database with a clock that moves one
// millisecond per reading, so that every write has its own timestamp.
type fixture struct {
	db  *DB
	tr  *TrackingService
	reg *RegistryService
	lm  *LoggedModelService
}

func newFixture(tb testing.TB, newDB newDBFunc) *fixture {
	tb.Helper()
	db := newDB(tb)
	var ms atomic.Int64
	ms.Store(1_000_000)
	db.Now = func() time.Time { return time.UnixMilli(ms.Add(1)) }
	return &fixture{db: db, tr: NewTrackingService(db), reg: NewRegistryService(db), lm: NewLoggedModelService(db)}
}

// registrySuite runs every registry, webhook and logged-model test on
// databases made by newDB.
func registrySuite(t *testing.T, newDB newDBFunc) {
	tests := []struct {
		name string
		fn   func(*testing.T, *fixture)
	}{
		{"RegisteredModelCRUD", testRegisteredModelCRUD},
		{"RenameAndDeleteCascade", testRenameAndDeleteCascade},
		{"ModelVersions", testModelVersions},
		{"Stages", testStages},
		{"Aliases", testAliases},
		{"RegistryTags", testRegistryTags},
		{"VersionSource", testVersionSource},
		{"SearchRegisteredModels", testSearchRegisteredModels},
		{"SearchRegisteredModelsPaging", testSearchRegisteredModelsPaging},
		{"SearchModelVersions", testSearchModelVersions},
		{"Webhooks", testWebhooks},
		{"WebhookValidation", testWebhookValidation},
		{"LoggedModelLifecycle", testLoggedModelLifecycle},
		{"LoggedModelMetrics", testLoggedModelMetrics},
		{"LoggedModelErrors", testLoggedModelErrors},
		{"SearchLoggedModels", testSearchLoggedModels},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, newFixture(t, newDB)) })
	}
}

func TestRegistrySQLite(t *testing.T) { registrySuite(t, MustOpenDB) }

func TestRegistrySQLiteMemory(t *testing.T) {
	registrySuite(t, func(tb testing.TB) *DB { return mustOpen(tb, "sqlite:///:memory:") })
}

// mustCreateModel creates a registered model or fails the test.
func mustCreateModel(tb testing.TB, f *fixture, name string, tags ...registry.Tag) *registry.RegisteredModel {
	tb.Helper()
	m, err := f.reg.CreateRegisteredModel(context.Background(), name, "", tags)
	if err != nil {
		tb.Fatalf("CreateRegisteredModel(%q): %v", name, err)
	}
	return m
}

// mustCreateVersion creates a version from an s3 source or fails the test.
func mustCreateVersion(tb testing.TB, f *fixture, name string, tags ...registry.Tag) *registry.ModelVersion {
	tb.Helper()
	mv, err := f.reg.CreateModelVersion(context.Background(), registry.VersionCreate{
		Name: name, Source: "s3://bucket/" + name, Tags: tags})
	if err != nil {
		tb.Fatalf("CreateModelVersion(%q): %v", name, err)
	}
	return mv
}

// mustGetModel gets a registered model or fails the test.
func mustGetModel(tb testing.TB, f *fixture, name string) *registry.RegisteredModel {
	tb.Helper()
	m, err := f.reg.GetRegisteredModel(context.Background(), name)
	if err != nil {
		tb.Fatalf("GetRegisteredModel(%q): %v", name, err)
	}
	return m
}

// versionNumbers lists the version numbers of mvs in order.
func versionNumbers(mvs []*registry.ModelVersion) []string {
	out := make([]string, len(mvs))
	for i, mv := range mvs {
		out[i] = mv.Name + "/" + mv.Version
	}
	return out
}

func testRegisteredModelCRUD(t *testing.T, f *fixture) {
	ctx := context.Background()
	m, err := f.reg.CreateRegisteredModel(ctx, "churn", "predicts churn", []registry.Tag{{Key: "team", Value: "ml"}})
	if err != nil {
		t.Fatal(err)
	}
	if m.Name != "churn" || m.Description != "predicts churn" || m.CreationTimestamp == 0 ||
		m.LastUpdatedTimestamp != m.CreationTimestamp || len(m.Tags) != 1 || len(m.LatestVersions) != 0 {
		t.Errorf("created %+v", m)
	}
	createErrors := []struct {
		name string
		tags []registry.Tag
		want string
	}{
		{"churn", nil, weir.ErrResourceAlreadyExists},
		{"", nil, weir.ErrInvalidParameterValue},
		{"  ", nil, weir.ErrInvalidParameterValue},
		{"a/b", nil, weir.ErrInvalidParameterValue},
		{"a:b", nil, weir.ErrInvalidParameterValue},
		{"..", nil, weir.ErrInvalidParameterValue},
		{".", nil, weir.ErrInvalidParameterValue},
		{"a\\..\\b", nil, ""}, // backslashes are plain characters on the server
		{"x//y", nil, weir.ErrInvalidParameterValue},
		{"ok", []registry.Tag{{Key: "", Value: "v"}}, weir.ErrInvalidParameterValue},
		{"ok", []registry.Tag{{Key: strings.Repeat("k", 251), Value: "v"}}, weir.ErrInvalidParameterValue},
		{"ok", []registry.Tag{{Key: "k", Value: strings.Repeat("v", tracking.MaxRegistryTagValueLength+1)}}, weir.ErrInvalidParameterValue},
	}
	for _, tt := range createErrors {
		_, err := f.reg.CreateRegisteredModel(ctx, tt.name, "", tt.tags)
		if got := weir.ErrorCode(err); got != tt.want {
			t.Errorf("CreateRegisteredModel(%q, %v) code = %q (%v), want %q", tt.name, tt.tags, got, err, tt.want)
		}
	}
	if _, err := f.reg.GetRegisteredModel(ctx, "ok"); weir.ErrorCode(err) != weir.ErrResourceDoesNotExist {
		t.Errorf("a refused create left a model behind: %v", err)
	}

	got, err := f.reg.UpdateRegisteredModel(ctx, "churn", "new text")
	if err != nil {
		t.Fatal(err)
	}
	if got.Description != "new text" || got.LastUpdatedTimestamp <= m.LastUpdatedTimestamp {
		t.Errorf("updated = %+v, want new description and a later timestamp than %d", got, m.LastUpdatedTimestamp)
	}
	missing := []struct {
		op string
		fn func() error
	}{
		{"Get", func() error { _, err := f.reg.GetRegisteredModel(ctx, "nope"); return err }},
		{"Update", func() error { _, err := f.reg.UpdateRegisteredModel(ctx, "nope", "d"); return err }},
		{"Rename", func() error { _, err := f.reg.RenameRegisteredModel(ctx, "nope", "x"); return err }},
		{"Delete", func() error { return f.reg.DeleteRegisteredModel(ctx, "nope") }},
		{"GetLatestVersions", func() error { _, err := f.reg.GetLatestVersions(ctx, "nope", nil); return err }},
		{"SetTag", func() error { return f.reg.SetRegisteredModelTag(ctx, "nope", registry.Tag{Key: "k"}) }},
		{"DeleteTag", func() error { return f.reg.DeleteRegisteredModelTag(ctx, "nope", "k") }},
		{"CreateVersion", func() error {
			_, err := f.reg.CreateModelVersion(ctx, registry.VersionCreate{Name: "nope", Source: "s3://b/m"})
			return err
		}},
		{"DeleteAlias", func() error { return f.reg.DeleteRegisteredModelAlias(ctx, "nope", "a") }},
		{"GetByAlias", func() error { _, err := f.reg.GetModelVersionByAlias(ctx, "nope", "a"); return err }},
	}
	for _, tt := range missing {
		if got := weir.ErrorCode(tt.fn()); got != weir.ErrResourceDoesNotExist {
			t.Errorf("%s on a missing model: code = %q, want %q", tt.op, got, weir.ErrResourceDoesNotExist)
		}
	}
}

func testRenameAndDeleteCascade(t *testing.T, f *fixture) {
	ctx := context.Background()
	mustCreateModel(t, f, "old", registry.Tag{Key: "t", Value: "1"})
	mustCreateModel(t, f, "taken")
	mustCreateVersion(t, f, "old", registry.Tag{Key: "vt", Value: "x"})
	mustCreateVersion(t, f, "old")
	if err := f.reg.SetRegisteredModelAlias(ctx, "old", "champion", "2"); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []struct{ name, code string }{{"taken", weir.ErrResourceAlreadyExists}, {"", weir.ErrInvalidParameterValue}, {"a/b", weir.ErrInvalidParameterValue}} {
		if _, err := f.reg.RenameRegisteredModel(ctx, "old", bad.name); weir.ErrorCode(err) != bad.code {
			t.Errorf("Rename to %q: %v, want %s", bad.name, err, bad.code)
		}
	}
	m, err := f.reg.RenameRegisteredModel(ctx, "old", "new")
	if err != nil {
		t.Fatal(err)
	}
	if m.Name != "new" || len(m.Tags) != 1 || len(m.Aliases) != 1 || m.Aliases[0] != (registry.Alias{Alias: "champion", Version: "2"}) {
		t.Errorf("renamed model = %+v", m)
	}
	mv, err := f.reg.GetModelVersion(ctx, "new", "1")
	if err != nil {
		t.Fatal(err)
	}
	if mv.Name != "new" || len(mv.Tags) != 1 || mv.LastUpdatedTimestamp != m.LastUpdatedTimestamp {
		t.Errorf("version after rename = %+v, want name new, its tag, updated at %d", mv, m.LastUpdatedTimestamp)
	}
	if mv, err := f.reg.GetModelVersionByAlias(ctx, "new", "champion"); err != nil || mv.Version != "2" {
		t.Errorf("alias after rename = %v, %v", mv, err)
	}
	if _, err := f.reg.GetRegisteredModel(ctx, "old"); weir.ErrorCode(err) != weir.ErrResourceDoesNotExist {
		t.Errorf("old name still found: %v", err)
	}

	if err := f.reg.DeleteRegisteredModel(ctx, "new"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.reg.GetModelVersion(ctx, "new", "1"); weir.ErrorCode(err) != weir.ErrResourceDoesNotExist {
		t.Errorf("version survived its model: %v", err)
	}
	// The name is free again, with fresh numbering, tags and aliases.
	m = mustCreateModel(t, f, "new")
	if len(m.Tags) != 0 || len(m.Aliases) != 0 {
		t.Errorf("recreated model kept data: %+v", m)
	}
	if mv := mustCreateVersion(t, f, "new"); mv.Version != "1" || len(mv.Tags) != 0 {
		t.Errorf("first version of recreated model = %+v", mv)
	}
}

func testModelVersions(t *testing.T, f *fixture) {
	ctx := context.Background()
	m := mustCreateModel(t, f, "m")
	for i, want := range []string{"1", "2", "3"} {
		mv := mustCreateVersion(t, f, "m")
		if mv.Version != want || mv.CurrentStage != registry.StageNone || mv.Status != registry.StatusReady ||
			mv.Source != "s3://bucket/m" || mv.CreationTimestamp != mv.LastUpdatedTimestamp {
			t.Errorf("version %d = %+v", i, mv)
		}
	}
	if got := mustGetModel(t, f, "m"); got.LastUpdatedTimestamp <= m.LastUpdatedTimestamp {
		t.Errorf("creating versions did not touch the model: %d <= %d", got.LastUpdatedTimestamp, m.LastUpdatedTimestamp)
	}
	if err := f.reg.DeleteModelVersion(ctx, "m", "3"); err != nil {
		t.Fatal(err)
	}
	if mv := mustCreateVersion(t, f, "m"); mv.Version != "4" {
		t.Errorf("version after deleting 3 = %s, want 4 (numbers are never reused)", mv.Version)
	}
	full, err := f.reg.CreateModelVersion(ctx, registry.VersionCreate{Name: "m", Source: "s3://b/x", RunLink: "http://run",
		Description: "desc", Tags: []registry.Tag{{Key: "a", Value: "1"}, {Key: "a", Value: "2"}}})
	if err != nil {
		t.Fatal(err)
	}
	if full.Version != "5" || full.RunLink != "http://run" || full.Description != "desc" ||
		len(full.Tags) != 1 || full.Tags[0].Value != "2" {
		t.Errorf("version with everything = %+v (a repeated tag key keeps the last value)", full)
	}
	up, err := f.reg.UpdateModelVersion(ctx, "m", "5", "changed")
	if err != nil {
		t.Fatal(err)
	}
	if up.Description != "changed" || up.LastUpdatedTimestamp <= full.LastUpdatedTimestamp {
		t.Errorf("updated version = %+v", up)
	}
	errs := []struct {
		op   string
		fn   func() error
		want string
	}{
		{"Get missing", func() error { _, err := f.reg.GetModelVersion(ctx, "m", "3"); return err }, weir.ErrResourceDoesNotExist},
		{"Get bad number", func() error { _, err := f.reg.GetModelVersion(ctx, "m", "x"); return err }, weir.ErrInvalidParameterValue},
		{"Update missing", func() error { _, err := f.reg.UpdateModelVersion(ctx, "m", "9", ""); return err }, weir.ErrResourceDoesNotExist},
		{"Delete missing", func() error { return f.reg.DeleteModelVersion(ctx, "m", "3") }, weir.ErrResourceDoesNotExist},
		{"Delete bad number", func() error { return f.reg.DeleteModelVersion(ctx, "m", "1.5") }, weir.ErrInvalidParameterValue},
		{"DownloadURI missing", func() error { _, err := f.reg.GetModelVersionDownloadURI(ctx, "m", "9"); return err }, weir.ErrResourceDoesNotExist},
		{"Create no source", func() error {
			_, err := f.reg.CreateModelVersion(ctx, registry.VersionCreate{Name: "m"})
			return err
		}, weir.ErrInvalidParameterValue},
		{"Create bad tag", func() error {
			_, err := f.reg.CreateModelVersion(ctx, registry.VersionCreate{Name: "m", Source: "s3://b", Tags: []registry.Tag{{Key: "../x"}}})
			return err
		}, weir.ErrInvalidParameterValue},
	}
	for _, tt := range errs {
		if got := weir.ErrorCode(tt.fn()); got != tt.want {
			t.Errorf("%s: code = %q, want %q", tt.op, got, tt.want)
		}
	}
	if uri, err := f.reg.GetModelVersionDownloadURI(ctx, "m", "1"); err != nil || uri != "s3://bucket/m" {
		t.Errorf("download URI = %q, %v; want the s3 source", uri, err)
	}
}

func testStages(t *testing.T, f *fixture) {
	ctx := context.Background()
	mustCreateModel(t, f, "m")
	for range 4 {
		mustCreateVersion(t, f, "m")
	}
	steps := []struct {
		version, stage string
		archive        bool
		wantStage      string
		wantCode       string
	}{
		{"1", "production", false, registry.StageProduction, ""},
		{"2", "STAGING", false, registry.StageStaging, ""},
		{"3", "Production", true, registry.StageProduction, ""}, // archives 1
		{"4", "archived", false, registry.StageArchived, ""},
		{"4", "Deleted_Internal", false, "", weir.ErrInvalidParameterValue},
		{"4", "gold", false, "", weir.ErrInvalidParameterValue},
		{"4", "None", true, "", weir.ErrInvalidParameterValue}, // only Staging and Production archive others
		{"9", "None", false, "", weir.ErrResourceDoesNotExist},
	}
	for _, st := range steps {
		mv, err := f.reg.TransitionModelVersionStage(ctx, "m", st.version, st.stage, st.archive)
		if got := weir.ErrorCode(err); got != st.wantCode {
			t.Fatalf("Transition(%s, %s): code %q (%v), want %q", st.version, st.stage, got, err, st.wantCode)
		}
		if err == nil && mv.CurrentStage != st.wantStage {
			t.Errorf("Transition(%s, %s) stage = %q, want %q", st.version, st.stage, mv.CurrentStage, st.wantStage)
		}
	}
	if mv, _ := f.reg.GetModelVersion(ctx, "m", "1"); mv.CurrentStage != registry.StageArchived {
		t.Errorf("version 1 = %q after archive_existing_versions, want Archived", mv.CurrentStage)
	}
	mustCreateVersion(t, f, "m") // 5, in None
	latest := []struct {
		stages []string
		want   []string
		code   string
	}{
		{nil, []string{"m/2", "m/3", "m/4", "m/5"}, ""},
		{[]string{"production"}, []string{"m/3"}, ""},
		{[]string{"None", "Staging"}, []string{"m/2", "m/5"}, ""},
		{[]string{"Archived"}, []string{"m/4"}, ""},
		{[]string{"bogus"}, nil, weir.ErrInvalidParameterValue},
	}
	for _, tt := range latest {
		mvs, err := f.reg.GetLatestVersions(ctx, "m", tt.stages)
		if got := weir.ErrorCode(err); got != tt.code {
			t.Fatalf("GetLatestVersions(%v) code %q, want %q", tt.stages, got, tt.code)
		}
		if got := versionNumbers(mvs); err == nil && !slices.Equal(got, tt.want) {
			t.Errorf("GetLatestVersions(%v) = %v, want %v", tt.stages, got, tt.want)
		}
	}
	if got := versionNumbers(ptrs(mustGetModel(t, f, "m").LatestVersions)); !slices.Equal(got, []string{"m/2", "m/3", "m/4", "m/5"}) {
		t.Errorf("model's latest versions = %v", got)
	}
}

// ptrs returns pointers to the elements of s.
func ptrs[T any](s []T) []*T {
	out := make([]*T, len(s))
	for i := range s {
		out[i] = &s[i]
	}
	return out
}

func testAliases(t *testing.T, f *fixture) {
	ctx := context.Background()
	mustCreateModel(t, f, "m")
	for range 3 {
		mustCreateVersion(t, f, "m")
	}
	before := mustGetModel(t, f, "m").LastUpdatedTimestamp
	setErrors := []struct {
		alias, version, code string
	}{
		{"champion", "1", ""},
		{"challenger", "2", ""},
		{"champion", "3", ""}, // moves
		{"latest", "1", weir.ErrInvalidParameterValue},
		{"LATEST", "1", weir.ErrInvalidParameterValue},
		{"v2", "1", weir.ErrInvalidParameterValue},
		{"bad alias", "1", weir.ErrInvalidParameterValue},
		{"", "1", weir.ErrInvalidParameterValue},
		{"x", "9", weir.ErrResourceDoesNotExist},
		{"x", "one", weir.ErrInvalidParameterValue},
	}
	for _, tt := range setErrors {
		err := f.reg.SetRegisteredModelAlias(ctx, "m", tt.alias, tt.version)
		if got := weir.ErrorCode(err); got != tt.code {
			t.Errorf("SetRegisteredModelAlias(%q, %q) code %q (%v), want %q", tt.alias, tt.version, got, err, tt.code)
		}
	}
	m := mustGetModel(t, f, "m")
	wantAliases := []registry.Alias{{Alias: "challenger", Version: "2"}, {Alias: "champion", Version: "3"}}
	if !slices.Equal(m.Aliases, wantAliases) || m.LastUpdatedTimestamp != before {
		t.Errorf("model aliases = %v (updated %d, before %d), want %v and no update, as in MLflow", m.Aliases, m.LastUpdatedTimestamp, before, wantAliases)
	}
	gets := []struct {
		alias, want, code string
	}{
		{"champion", "3", ""},
		{"challenger", "2", ""},
		{"latest", "3", ""},
		{"Latest", "3", ""},
		{"nobody", "", weir.ErrInvalidParameterValue},
	}
	for _, tt := range gets {
		mv, err := f.reg.GetModelVersionByAlias(ctx, "m", tt.alias)
		if got := weir.ErrorCode(err); got != tt.code {
			t.Errorf("GetModelVersionByAlias(%q) code %q (%v), want %q", tt.alias, got, err, tt.code)
			continue
		}
		if err == nil && mv.Version != tt.want {
			t.Errorf("GetModelVersionByAlias(%q) = version %s, want %s", tt.alias, mv.Version, tt.want)
		}
	}
	if mv, _ := f.reg.GetModelVersion(ctx, "m", "3"); !slices.Equal(mv.Aliases, []string{"champion"}) {
		t.Errorf("version 3 aliases = %v", mv.Aliases)
	}
	if err := f.reg.DeleteRegisteredModelAlias(ctx, "m", "challenger"); err != nil {
		t.Fatal(err)
	}
	if err := f.reg.DeleteRegisteredModelAlias(ctx, "m", "challenger"); err != nil {
		t.Errorf("deleting a missing alias: %v, want no error as in MLflow", err)
	}
	if err := f.reg.DeleteRegisteredModelAlias(ctx, "m", "bad alias"); weir.ErrorCode(err) != weir.ErrInvalidParameterValue {
		t.Errorf("deleting a malformed alias: %v", err)
	}
	// Deleting the version an alias points at drops the alias.
	if err := f.reg.DeleteModelVersion(ctx, "m", "3"); err != nil {
		t.Fatal(err)
	}
	if m := mustGetModel(t, f, "m"); len(m.Aliases) != 0 {
		t.Errorf("aliases after deleting their version = %v", m.Aliases)
	}
	if _, err := f.reg.GetModelVersionByAlias(ctx, "m", "champion"); weir.ErrorCode(err) != weir.ErrInvalidParameterValue {
		t.Errorf("alias of a deleted version: %v", err)
	}
	if mv, err := f.reg.GetModelVersionByAlias(ctx, "m", "latest"); err != nil || mv.Version != "2" {
		t.Errorf("latest after deleting 3 = %v, %v; want 2", mv, err)
	}
	mustCreateModel(t, f, "empty")
	if _, err := f.reg.GetModelVersionByAlias(ctx, "empty", "latest"); weir.ErrorCode(err) != weir.ErrResourceDoesNotExist {
		t.Errorf("latest of a model without versions: %v", err)
	}
}

func testRegistryTags(t *testing.T, f *fixture) {
	ctx := context.Background()
	mustCreateModel(t, f, "m")
	mustCreateVersion(t, f, "m")
	steps := []struct {
		op   string
		fn   func() error
		code string
	}{
		{"set model tag", func() error { return f.reg.SetRegisteredModelTag(ctx, "m", registry.Tag{Key: "k", Value: "1"}) }, ""},
		{"overwrite model tag", func() error { return f.reg.SetRegisteredModelTag(ctx, "m", registry.Tag{Key: "k", Value: "2"}) }, ""},
		{"set second model tag", func() error { return f.reg.SetRegisteredModelTag(ctx, "m", registry.Tag{Key: "gone", Value: "x"}) }, ""},
		{"delete model tag", func() error { return f.reg.DeleteRegisteredModelTag(ctx, "m", "gone") }, ""},
		{"delete missing model tag", func() error { return f.reg.DeleteRegisteredModelTag(ctx, "m", "gone") }, ""},
		{"bad model tag key", func() error { return f.reg.SetRegisteredModelTag(ctx, "m", registry.Tag{Key: "a//b"}) }, weir.ErrInvalidParameterValue},
		{"long model tag key", func() error {
			return f.reg.SetRegisteredModelTag(ctx, "m", registry.Tag{Key: strings.Repeat("k", 251)})
		}, weir.ErrInvalidParameterValue},
		{"set version tag", func() error { return f.reg.SetModelVersionTag(ctx, "m", "1", registry.Tag{Key: "k", Value: "v"}) }, ""},
		{"set version tag 2", func() error { return f.reg.SetModelVersionTag(ctx, "m", "1", registry.Tag{Key: "z", Value: "v"}) }, ""},
		{"delete version tag", func() error { return f.reg.DeleteModelVersionTag(ctx, "m", "1", "z") }, ""},
		{"version tag on missing version", func() error { return f.reg.SetModelVersionTag(ctx, "m", "2", registry.Tag{Key: "k"}) }, weir.ErrResourceDoesNotExist},
		{"delete tag of missing version", func() error { return f.reg.DeleteModelVersionTag(ctx, "m", "2", "k") }, weir.ErrResourceDoesNotExist},
		{"long version tag value", func() error {
			return f.reg.SetModelVersionTag(ctx, "m", "1", registry.Tag{Key: "k", Value: strings.Repeat("v", 100001)})
		}, weir.ErrInvalidParameterValue},
	}
	for _, st := range steps {
		if got := weir.ErrorCode(st.fn()); got != st.code {
			t.Errorf("%s: code %q, want %q", st.op, got, st.code)
		}
	}
	if got := mustGetModel(t, f, "m").Tags; !slices.Equal(got, []registry.Tag{{Key: "k", Value: "2"}}) {
		t.Errorf("model tags = %v", got)
	}
	if mv, _ := f.reg.GetModelVersion(ctx, "m", "1"); !slices.Equal(mv.Tags, []registry.Tag{{Key: "k", Value: "v"}}) {
		t.Errorf("version tags = %v", mv.Tags)
	}
}
