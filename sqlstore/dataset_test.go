package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	weir "github.com/weir-ml/weir"
	"github.com/weir-ml/weir/evaldata"
)

func TestDatasetsSQLite(t *testing.T)   { datasetSuite(t, MustOpenDB) }
func TestDatasetsPostgres(t *testing.T) { datasetSuite(t, MustOpenPostgres) }

// datasetSuite runs the dataset and scorer store's tests on databases made
// by open.
func datasetSuite(t *testing.T, open func(testing.TB) *DB) {
	for _, tt := range []struct {
		name string
		fn   func(*testing.T, *DB)
	}{
		{"CreateGetTags", testDatasetCreate},
		{"Records", testDatasetRecords},
		{"Search", testDatasetSearch},
		{"Experiments", testDatasetExperiments},
		{"Scorers", testScorers},
		{"BadInput", testDatasetBadInput},
		{"ConcurrentUpserts", testConcurrentUpserts},
	} {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open(t)) })
	}
}

// tickingClock makes db's clock advance 1 ms at every reading, from ms.
func tickingClock(db *DB, ms int64) {
	db.Now = func() time.Time { ms++; return time.UnixMilli(ms) }
}

func mustRecords(tb testing.TB, s string) []evaldata.RecordInput {
	tb.Helper()
	recs, err := evaldata.ParseRecords(s)
	if err != nil {
		tb.Fatalf("ParseRecords(%s): %v", s, err)
	}
	return recs
}

func testDatasetCreate(t *testing.T, db *DB) {
	ctx := context.Background()
	tickingClock(db, 1000)
	exp := mustCreateExperiment(t, NewTrackingService(db), "ds")
	svc := NewDatasetService(db)
	ds, err := svc.CreateDataset(ctx, "qa", map[string]string{"team": "ml", evaldata.TagUser: "ana"}, []string{exp})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(ds.ID, "d-") || len(ds.ID) != 34 || ds.CreatedBy != "ana" || ds.LastUpdatedBy != "ana" {
		t.Errorf("created %+v, want a d- id and created_by ana", ds)
	}
	if got, want := ds.Digest, evaldata.Digest("qa", ds.CreatedTime); got != want {
		t.Errorf("digest = %s, want %s", got, want)
	}
	if len(ds.ExperimentIDs) != 1 || ds.ExperimentIDs[0] != exp {
		t.Errorf("experiment ids = %q, want [%s]", ds.ExperimentIDs, exp)
	}
	if err := svc.SetDatasetTags(ctx, ds.ID, map[string]string{"n": "3", "team": "ops"}); err != nil {
		t.Fatal(err)
	}
	if err := svc.DeleteDatasetTag(ctx, ds.ID, "n"); err != nil {
		t.Fatal(err)
	}
	got, err := svc.GetDataset(ctx, ds.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Tags) != 2 || got.Tags["team"] != "ops" || got.Tags[evaldata.TagUser] != "ana" {
		t.Errorf("tags = %v, want team=ops and mlflow.user=ana", got.Tags)
	}
	if err := svc.DeleteDataset(ctx, ds.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.GetDataset(ctx, ds.ID); weir.ErrorCode(err) != weir.ErrResourceDoesNotExist {
		t.Errorf("get after delete: %v, want RESOURCE_DOES_NOT_EXIST", err)
	}
	if err := svc.DeleteDataset(ctx, ds.ID); err != nil {
		t.Errorf("second delete: %v, want none (MLflow's delete is idempotent)", err)
	}
}

func testDatasetRecords(t *testing.T, db *DB) {
	ctx := context.Background()
	tickingClock(db, 5000)
	svc := NewDatasetService(db)
	ds, err := svc.CreateDataset(ctx, "qa", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := svc.UpsertRecords(ctx, ds.ID, mustRecords(t, `[
		{"inputs": {"q": "a"}, "expectations": {"ans": "x"}, "tags": {"mlflow.user": "ana"}},
		{"inputs": {"n": 2, "q": "b"}, "outputs": {"r": 1.5}, "source": {"source_type": "TRACE", "source_data": {"trace_id": "tr-1"}}}]`))
	if err != nil {
		t.Fatal(err)
	}
	if res != (evaldata.UpsertResult{Inserted: 2}) {
		t.Errorf("first upsert = %+v, want 2 inserted", res)
	}
	// The same inputs in another key order are the same record.
	res, err = svc.UpsertRecords(ctx, ds.ID, mustRecords(t, `[{"inputs": {"q": "b", "n": 2}, "expectations": {"e": true}, "tags": {"k": "v"}},
		{"inputs": {"q": "a"}, "expectations": {"ans2": "y"}, "outputs": null}]`))
	if err != nil {
		t.Fatal(err)
	}
	if res != (evaldata.UpsertResult{Updated: 2}) {
		t.Errorf("second upsert = %+v, want 2 updated", res)
	}
	recs, next, err := svc.GetRecords(ctx, ds.ID, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || next != "" {
		t.Fatalf("got %d records and token %q, want 2 and none", len(recs), next)
	}
	byQ := map[string]evaldata.Record{}
	for _, r := range recs {
		var in struct{ Q string }
		json.Unmarshal(r.Inputs, &in)
		byQ[in.Q] = r
	}
	a, b := byQ["a"], byQ["b"]
	for _, c := range []struct{ name, got, want string }{
		{"a expectations", string(a.Expectations), `{"ans":"x","ans2":"y"}`},
		{"a outputs (null clears)", string(a.Outputs), ``},
		{"a created_by", a.CreatedBy, "ana"},
		{"b outputs", string(b.Outputs), `{"r": 1.5}`},
		{"b expectations", string(b.Expectations), `{"e":true}`},
		{"b tags", b.Tags["k"], "v"},
		{"b source id", b.SourceID, "tr-1"},
		{"b source type", b.SourceType, "TRACE"},
	} {
		if c.got != c.want {
			t.Errorf("%s = %s, want %s", c.name, c.got, c.want)
		}
	}
	got, err := svc.GetDataset(ctx, ds.ID)
	if err != nil {
		t.Fatal(err)
	}
	var schema map[string]any
	if err := json.Unmarshal([]byte(got.Schema), &schema); err != nil {
		t.Fatalf("schema %q: %v", got.Schema, err)
	}
	want := `map[expectations:map[ans:string ans2:string e:boolean] inputs:map[n:integer q:string] outputs:map[r:float] version:1.0]`
	if s := fmtAny(schema); s != want {
		t.Errorf("schema = %s, want %s", s, want)
	}
	if got.Profile != `{"num_records": 2}` || got.Digest != evaldata.Digest("qa", got.LastUpdateTime) || got.LastUpdatedBy != "" {
		t.Errorf("dataset after upserts = %+v, want 2 records, a fresh digest, no last updater", got)
	}

	// Paging: one record per page, in creation order.
	page1, next, err := svc.GetRecords(ctx, ds.ID, 1, "")
	if err != nil || len(page1) != 1 || next == "" {
		t.Fatalf("page 1: %d records, token %q, %v", len(page1), next, err)
	}
	page2, next2, err := svc.GetRecords(ctx, ds.ID, 1, next)
	if err != nil || len(page2) != 1 || next2 != "" || page2[0].ID == page1[0].ID {
		t.Fatalf("page 2: %d records, token %q, %v", len(page2), next2, err)
	}
	// More ids than SQLite takes placeholders in one statement.
	ids := []string{page1[0].ID}
	for i := 0; i < 40000; i++ {
		ids = append(ids, fmt.Sprintf("dr-nope-%d", i))
	}
	n, err := svc.DeleteRecords(ctx, ds.ID, ids)
	if err != nil || n != 1 {
		t.Fatalf("DeleteRecords = %d, %v; want 1", n, err)
	}
	if got, _ := svc.GetDataset(ctx, ds.ID); got.Profile != `{"num_records": 1}` {
		t.Errorf("profile after delete = %s, want 1 record", got.Profile)
	}
}

func fmtAny(v any) string { return fmt.Sprint(v) }

func testDatasetSearch(t *testing.T, db *DB) {
	ctx := context.Background()
	tickingClock(db, 10000)
	tsvc := NewTrackingService(db)
	e1, e2 := mustCreateExperiment(t, tsvc, "one"), mustCreateExperiment(t, tsvc, "two")
	svc := NewDatasetService(db)
	ids := map[string]string{}
	for _, c := range []struct {
		name string
		exp  string
		tags map[string]string
	}{{"alpha", e1, map[string]string{"env": "prod"}}, {"beta", e1, nil}, {"Gamma", e2, map[string]string{"env": "dev"}}} {
		ds, err := svc.CreateDataset(ctx, c.name, c.tags, []string{c.exp})
		if err != nil {
			t.Fatal(err)
		}
		ids[c.name] = ds.ID
	}
	for _, c := range []struct {
		req  evaldata.SearchRequest
		want string
	}{
		{evaldata.SearchRequest{}, "Gamma beta alpha"},
		{evaldata.SearchRequest{ExperimentIDs: []string{e1}}, "beta alpha"},
		{evaldata.SearchRequest{OrderBy: []string{"name ASC"}}, "Gamma alpha beta"},
		{evaldata.SearchRequest{Filter: "name LIKE 'a%'"}, "alpha"},
		{evaldata.SearchRequest{Filter: "name ILIKE 'g%'"}, "Gamma"},
		{evaldata.SearchRequest{Filter: "tags.env = 'prod'"}, "alpha"},
		{evaldata.SearchRequest{Filter: "tags.env != 'prod'"}, "Gamma"},
		{evaldata.SearchRequest{Filter: "name IN ('beta', 'Gamma') AND created_time > 0", OrderBy: []string{"created_time"}}, "beta Gamma"},
	} {
		got, _, err := svc.SearchDatasets(ctx, c.req)
		if err != nil {
			t.Errorf("search %+v: %v", c.req, err)
			continue
		}
		var names []string
		for _, d := range got {
			names = append(names, d.Name)
		}
		if s := strings.Join(names, " "); s != c.want {
			t.Errorf("search %+v = %s, want %s", c.req, s, c.want)
		}
	}
	page, next, err := svc.SearchDatasets(ctx, evaldata.SearchRequest{MaxResults: 2})
	if err != nil || len(page) != 2 || next == "" {
		t.Fatalf("page 1: %d, %q, %v", len(page), next, err)
	}
	page, next, err = svc.SearchDatasets(ctx, evaldata.SearchRequest{MaxResults: 2, PageToken: next})
	if err != nil || len(page) != 1 || next != "" || page[0].Name != "alpha" {
		t.Fatalf("page 2: %d, %q, %v", len(page), next, err)
	}
}

func testDatasetExperiments(t *testing.T, db *DB) {
	ctx := context.Background()
	tsvc := NewTrackingService(db)
	e1, e2 := mustCreateExperiment(t, tsvc, "one"), mustCreateExperiment(t, tsvc, "two")
	svc := NewDatasetService(db)
	ds, err := svc.CreateDataset(ctx, "qa", nil, []string{e1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AddToExperiments(ctx, ds.ID, []string{e2, e1}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.RemoveFromExperiments(ctx, ds.ID, []string{e1, "12345"}); err != nil {
		t.Fatal(err)
	}
	got, err := svc.GetExperimentIDs(ctx, ds.ID)
	if err != nil || strings.Join(got, ",") != e2 {
		t.Errorf("experiments = %q, %v; want [%s]", got, err, e2)
	}
	if _, err := svc.AddToExperiments(ctx, ds.ID, []string{"999"}); weir.ErrorCode(err) != weir.ErrResourceDoesNotExist {
		t.Errorf("add unknown experiment: %v, want RESOURCE_DOES_NOT_EXIST", err)
	}
	if _, err := svc.AddToExperiments(ctx, "d-nope", []string{e1}); weir.ErrorMessage(err) != "Dataset 'd-nope' not found" {
		t.Errorf("add to unknown dataset: %v", err)
	}
}

func testScorers(t *testing.T, db *DB) {
	ctx := context.Background()
	tickingClock(db, 20000)
	exp := mustCreateExperiment(t, NewTrackingService(db), "sc")
	svc := NewDatasetService(db)
	v1, err := svc.RegisterScorer(ctx, exp, "rel", `{"name": "rel", "v": 1}`)
	if err != nil {
		t.Fatal(err)
	}
	v2, err := svc.RegisterScorer(ctx, exp, "rel", `{"name": "rel", "v": 2}`)
	if err != nil {
		t.Fatal(err)
	}
	if v1.Version != 1 || v2.Version != 2 || v1.ScorerID != v2.ScorerID || len(v1.ScorerID) != 36 {
		t.Errorf("versions %+v %+v, want 1 and 2 of one scorer id", v1, v2)
	}
	if _, err := svc.RegisterScorer(ctx, exp, "abc", `{}`); err != nil {
		t.Fatal(err)
	}
	list, err := svc.ListScorers(ctx, []string{exp})
	if err != nil || len(list) != 2 || list[0].Name != "abc" || list[1].Version != 2 {
		t.Errorf("ListScorers = %+v, %v; want abc v1 and rel v2", list, err)
	}
	if all, err := svc.ListScorers(ctx, nil); err != nil || len(all) != 2 {
		t.Errorf("ListScorers(all) = %d, %v; want 2", len(all), err)
	}
	got, err := svc.GetScorer(ctx, exp, "rel", 0)
	if err != nil || got.Version != 2 || got.Serialized != `{"name": "rel", "v": 2}` {
		t.Errorf("GetScorer latest = %+v, %v", got, err)
	}
	if _, err := svc.GetScorer(ctx, exp, "rel", 7); weir.ErrorMessage(err) != "Scorer with name 'rel' and version 7 not found for experiment "+exp+"." {
		t.Errorf("GetScorer v7: %v", err)
	}
	if err := svc.DeleteScorer(ctx, exp, "rel", 1); err != nil {
		t.Fatal(err)
	}
	vs, err := svc.ListScorerVersions(ctx, exp, "rel")
	if err != nil || len(vs) != 1 || vs[0].Version != 2 {
		t.Errorf("versions after deleting v1 = %+v, %v", vs, err)
	}
	if err := svc.DeleteScorer(ctx, exp, "rel", 0); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.GetScorer(ctx, exp, "rel", 0); weir.ErrorCode(err) != weir.ErrResourceDoesNotExist {
		t.Errorf("get after delete: %v", err)
	}
	if err := svc.DeleteScorer(ctx, exp, "rel", 0); weir.ErrorCode(err) != weir.ErrResourceDoesNotExist {
		t.Errorf("second delete: %v", err)
	}
}

func testDatasetBadInput(t *testing.T, db *DB) {
	ctx := context.Background()
	svc := NewDatasetService(db)
	ds, err := svc.CreateDataset(ctx, "qa", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		err  error
		want string
	}{
		{"no name", second(svc.CreateDataset(ctx, "", nil, nil)), "Missing value for required parameter 'name'."},
		{"unknown experiment", second(svc.CreateDataset(ctx, "x", nil, []string{"999"})), "No Experiment with id=999 exists"},
		{"set tags on missing", svc.SetDatasetTags(ctx, "d-nope", map[string]string{"a": "b"}), "Could not find evaluation dataset with ID d-nope"},
		{"upsert into missing", second(svc.UpsertRecords(ctx, "d-nope", nil)), "Evaluation dataset with id 'd-nope' not found"},
		{"bad filter key", third(svc.SearchDatasets(ctx, evaldata.SearchRequest{Filter: "bogus = 1"})), "Invalid attribute key 'bogus' specified."},
		{"bad order key", third(svc.SearchDatasets(ctx, evaldata.SearchRequest{OrderBy: []string{"bogus"}})), "Invalid attribute key 'bogus' specified."},

		{"blank scorer name", second(svc.RegisterScorer(ctx, "0", " ", "{}")), "Scorer name cannot be empty or contain only whitespace."},
		{"scorer in missing experiment", second(svc.RegisterScorer(ctx, "999", "s", "{}")), "No Experiment with id=999 exists"},
	} {
		if c.want == "" {
			continue
		}
		if c.err == nil || !strings.HasPrefix(weir.ErrorMessage(c.err), c.want) {
			t.Errorf("%s: error %v, want one starting %q", c.name, c.err, c.want)
		}
	}
	if _, _, err := svc.GetRecords(ctx, ds.ID, 1, "zz"); weir.ErrorCode(err) != weir.ErrInvalidParameterValue {
		t.Errorf("bad record page token: %v, want INVALID_PARAMETER_VALUE", err)
	}
}

func second[T any](_ T, err error) error { return err }

func third[T, U any](_ T, _ U, err error) error { return err }

// Writers upserting the same inputs at once end with one record holding
// every writer's expectations, and counts that add up.
func testConcurrentUpserts(t *testing.T, db *DB) {
	ctx := context.Background()
	svc := NewDatasetService(db)
	ds, err := svc.CreateDataset(ctx, "race", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	const writers = 8
	results := make(chan evaldata.UpsertResult, writers)
	errs := make(chan error, writers)
	for w := 0; w < writers; w++ {
		go func(w int) {
			recs, err := evaldata.ParseRecords(fmt.Sprintf(`[{"inputs": {"q": "same"}, "expectations": {"e%d": %d}}]`, w, w))
			if err != nil {
				errs <- err
				return
			}
			res, err := svc.UpsertRecords(ctx, ds.ID, recs)
			errs <- err
			results <- res
		}(w)
	}
	var total evaldata.UpsertResult
	for w := 0; w < writers; w++ {
		if err := <-errs; err != nil {
			t.Fatalf("writer: %v", err)
		}
		r := <-results
		total.Inserted += r.Inserted
		total.Updated += r.Updated
	}
	if total != (evaldata.UpsertResult{Inserted: 1, Updated: writers - 1}) {
		t.Errorf("counts %+v, want 1 inserted and %d updated", total, writers-1)
	}
	recs, _, err := svc.GetRecords(ctx, ds.ID, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	var exp map[string]int
	if len(recs) != 1 || json.Unmarshal(recs[0].Expectations, &exp) != nil || len(exp) != writers {
		t.Errorf("records %d, expectations %s; want one record with %d expectations", len(recs), recs[0].Expectations, writers)
	}
}
