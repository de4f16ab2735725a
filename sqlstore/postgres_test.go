package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	weir "github.com/weir-ml/weir"
	"github.com/weir-ml/weir/registry"
	"github.com/weir-ml/weir/tracking"
)

// postgresEnv names the PostgreSQL database the tests may use, as
// postgresql://user@host:port/database. Each test gets its own schema in it,
// dropped when the test ends. tests/postgres/postgres.sh starts a server and
// prints the line that sets it.
const postgresEnv = "WEIR_TEST_POSTGRES_URL"

// MustOpenPostgres opens a DB in a fresh schema of the database named by
// WEIR_TEST_POSTGRES_URL, and drops the schema when the test ends. It skips
// the test when the variable is not set.
func MustOpenPostgres(tb testing.TB) *DB {
	tb.Helper()
	return mustOpen(tb, mustPostgresSchema(tb))
}

// mustPostgresSchema creates a fresh schema in the database named by
// WEIR_TEST_POSTGRES_URL, drops it when the test ends, and returns the
// database URI whose search_path is that schema. It skips the test when the
// variable is not set.
func mustPostgresSchema(tb testing.TB) string {
	tb.Helper()
	base := os.Getenv(postgresEnv)
	if base == "" {
		tb.Skipf("%s is not set; run tests/postgres/postgres.sh start DIR PORT for a server", postgresEnv)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatalf("open %s: %v", postgresEnv, err)
	}
	defer admin.Close()
	schema := fmt.Sprintf("weir_test_%016x", rand.Uint64())
	ctx := context.Background()
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		tb.Fatalf("create schema: %v", err)
	}
	tb.Cleanup(func() {
		admin, err := sql.Open("pgx", base)
		if err != nil {
			tb.Errorf("open %s: %v", postgresEnv, err)
			return
		}
		defer admin.Close()
		if _, err := admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			tb.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatalf("%s: %v", postgresEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	q.Set("application_name", schema) // lets a test find its own connections
	u.RawQuery = q.Encode()
	// Stores opened on the URI close before the schema is dropped:
	// cleanups run last registered first.
	return u.String()
}

// newPostgresService is a newServiceFunc on a fresh PostgreSQL schema.
func newPostgresService(tb testing.TB) tracking.Service {
	return NewTrackingService(MustOpenPostgres(tb))
}

func TestTrackingPostgres(t *testing.T) { testSuite(t, newPostgresService) }

func TestRegistryPostgres(t *testing.T) { registrySuite(t, MustOpenPostgres) }

func TestCreateModelVersionConcurrentPostgres(t *testing.T) {
	testCreateModelVersionConcurrent(t, MustOpenPostgres)
}

func TestLikeSemanticsPostgres(t *testing.T) { testLikeSemantics(t, newPostgresService) }

func TestTextOrderPostgres(t *testing.T) { testTextOrder(t, newPostgresService) }

func TestPostgresDSN(t *testing.T) {
	tests := []struct {
		uri, want string
		isPG      bool
	}{
		{"postgresql://u:p@h:5432/db", "postgresql://u:p@h:5432/db", true},
		{"postgres://u@h/db?sslmode=disable", "postgresql://u@h/db?sslmode=disable", true},
		{"postgresql+psycopg2://u:p@h/db", "postgresql://u:p@h/db", true},
		{"postgresql+pg8000://u:p@h/db", "postgresql://u:p@h/db", true},
		{"postgresql+odbc://u:p@h/db", "", true},
		{"sqlite:///weir.db", "", false},
		{"mysql://h/db", "", false},
		{"postgresql", "", false},
	}
	for _, tt := range tests {
		if got := isPostgresURI(tt.uri); got != tt.isPG {
			t.Errorf("isPostgresURI(%q) = %v, want %v", tt.uri, got, tt.isPG)
		}
		got, err := postgresDSN(tt.uri)
		if tt.want == "" {
			if code := weir.ErrorCode(err); code != weir.ErrInvalidParameterValue {
				t.Errorf("postgresDSN(%q) = %q, %v; want an %s error", tt.uri, got, err, weir.ErrInvalidParameterValue)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("postgresDSN(%q) = %q, %v; want %q", tt.uri, got, err, tt.want)
		}
	}
}

// TestTwoStoresOneSchemaPostgres runs two stores on one schema, as two
// server processes sharing a database would: the writer advisory lock must
// keep version and experiment numbers distinct and consecutive, which each
// store's in-process writer queue alone cannot.
func TestTwoStoresOneSchemaPostgres(t *testing.T) {
	uri := mustPostgresSchema(t)
	ctx := context.Background()
	dbs := []*DB{mustOpen(t, uri), mustOpen(t, uri)}
	regs := []*RegistryService{NewRegistryService(dbs[0]), NewRegistryService(dbs[1])}
	trs := []*TrackingService{NewTrackingService(dbs[0]), NewTrackingService(dbs[1])}
	if _, err := regs[0].CreateRegisteredModel(ctx, "m", "", nil); err != nil {
		t.Fatal(err)
	}
	const workers, each = 8, 5
	var mu sync.Mutex
	versions, exps := map[string]bool{}, map[string]bool{}
	var wg sync.WaitGroup
	errs := make(chan error, 2*workers*each)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				mv, err := regs[w%2].CreateModelVersion(ctx, registry.VersionCreate{Name: "m", Source: "s3://b/m"})
				if err != nil {
					errs <- err
					return
				}
				id, err := trs[w%2].CreateExperiment(ctx, "e"+strconv.Itoa(w)+"-"+strconv.Itoa(i), "", nil)
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				versions[mv.Version], exps[id] = true, true
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for i := 1; i <= workers*each; i++ {
		if !versions[strconv.Itoa(i)] || !exps[strconv.Itoa(i)] {
			t.Fatalf("versions %v and experiments %v: want both 1..%d", versions, exps, workers*each)
		}
	}
}

// TestVersionRowWritesPostgres creates versions of two models from two
// stores at once: plain sources as row writes, versions of a logged model
// under the writer lock (they rewrite its mlflow.modelVersions tag), and a
// rename of one model midway. Numbers must stay distinct and consecutive
// per model, and the logged model must list every version made from it.
func TestVersionRowWritesPostgres(t *testing.T) {
	uri := mustPostgresSchema(t)
	ctx := context.Background()
	dbs := []*DB{mustOpen(t, uri), mustOpen(t, uri)}
	regs := []*RegistryService{NewRegistryService(dbs[0]), NewRegistryService(dbs[1])}
	for _, m := range []string{"a", "b"} {
		if _, err := regs[0].CreateRegisteredModel(ctx, m, "", nil); err != nil {
			t.Fatal(err)
		}
	}
	lm, err := NewLoggedModelService(dbs[0]).CreateLoggedModel(ctx, tracking.LoggedModelCreate{ExperimentID: "0", Name: "lm"})
	if err != nil {
		t.Fatal(err)
	}
	const workers, each = 8, 6
	var mu sync.Mutex
	made := map[string][]string{} // model -> versions
	fromLM := map[string]bool{}   // "model/version" made from lm
	var wg sync.WaitGroup
	errs := make(chan error, workers*each+1)
	var progress atomic.Int64 // versions made so far, to rename b midway
	wg.Go(func() {
		for progress.Load() < workers*each/2 {
			time.Sleep(time.Millisecond)
		}
		if _, err := regs[1].RenameRegisteredModel(ctx, "b", "b2"); err != nil {
			errs <- err
		}
	})
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				model := []string{"a", "b"}[w%2]
				c := registry.VersionCreate{Name: model, Source: "s3://bucket/m"}
				if i%3 == 0 {
					c.Source, c.ModelID = "models:/"+lm.ModelID, lm.ModelID
				}
				mv, err := regs[w%2].CreateModelVersion(ctx, c)
				if model == "b" && weir.ErrorCode(err) == weir.ErrResourceDoesNotExist {
					// Renamed meanwhile, as a client would find out.
					model, c.Name = "b2", "b2"
					mv, err = regs[w%2].CreateModelVersion(ctx, c)
				}
				if err != nil {
					errs <- fmt.Errorf("version of %s: %w", model, err)
					return
				}
				progress.Add(1)
				mu.Lock()
				made[model] = append(made[model], mv.Version)
				if c.ModelID != "" {
					fromLM[model+"/"+mv.Version] = true
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	// b's versions made before the rename moved with it to b2.
	made["b2"] = append(made["b2"], made["b"]...)
	delete(made, "b")
	for model, versions := range made {
		slices.SortFunc(versions, func(x, y string) int { a, _ := strconv.Atoi(x); b, _ := strconv.Atoi(y); return a - b })
		for i, v := range versions {
			if v != strconv.Itoa(i+1) {
				t.Fatalf("model %s has versions %v, want 1..%d", model, versions, len(versions))
			}
		}
		all, _, err := regs[0].SearchModelVersions(ctx, registry.Search{Filter: "name = '" + model + "'", MaxResults: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != len(versions) {
			t.Errorf("model %s: %d versions stored, %d acknowledged", model, len(all), len(versions))
		}
	}
	got, err := NewLoggedModelService(dbs[1]).GetLoggedModel(ctx, lm.ModelID)
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, r := range got.Registrations {
		listed[r.Name+"/"+r.Version] = true
	}
	for k := range fromLM {
		// A version of b made before the rename is listed as b2's.
		name, v, _ := strings.Cut(k, "/")
		if !listed[k] && !(name == "b" && listed["b2/"+v]) {
			t.Errorf("logged model lists %v, missing %s", got.Registrations, k)
		}
		// Its mlflow.modelVersions tag names the model as it was called.
		if tag := tagMap(got.Tags)[modelVersionsTag]; !strings.Contains(tag, `{"name": "`+name+`", "version": `+v+`}`) {
			t.Errorf("logged model's %s tag %s misses %s", modelVersionsTag, tag, k)
		}
	}
}

// TestReopenPostgres checks that a second Open of a schema keeps its data
// and applies no migration twice.
func TestReopenPostgres(t *testing.T) {
	uri := mustPostgresSchema(t)
	ctx := context.Background()
	db := NewDB(uri)
	if err := db.Open(ctx); err != nil {
		t.Fatal(err)
	}
	id, err := NewTrackingService(db).CreateExperiment(ctx, "kept", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db2 := mustOpen(t, uri)
	exp, err := NewTrackingService(db2).GetExperimentByName(ctx, "kept")
	if err != nil {
		t.Fatal(err)
	}
	if exp.ID != id {
		t.Errorf("experiment id = %q, want %q", exp.ID, id)
	}
	var got int
	err = db2.readTx(ctx, func(tx *txn) error {
		return tx.scanOne(ctx, `SELECT COUNT(*) FROM schema_migrations`, nil, &got)
	})
	if err != nil {
		t.Fatal(err)
	}
	entries, err := migrations.ReadDir("migrations/postgres")
	if err != nil {
		t.Fatal(err)
	}
	if want := len(entries); got != want {
		t.Errorf("schema_migrations has %d rows, want %d", got, want)
	}
}

// TestMigrationsMatchPostgres checks that every SQLite migration has its
// PostgreSQL twin under the same name, so the two schemas move together.
func TestMigrationsMatchPostgres(t *testing.T) {
	names := func(dir string) []string {
		entries, err := migrations.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range entries {
			out = append(out, e.Name())
		}
		return out
	}
	if got, want := names("migrations/postgres"), names("migrations/sqlite"); !slices.Equal(got, want) {
		t.Errorf("postgres migrations = %q, want the sqlite names %q", got, want)
	}
}

// TestReconnectPostgres checks that a store outlives its connections: after
// the server ends every one of them (as a restart or an idle-connection
// proxy would), reads and writes work again without reopening the store.
func TestReconnectPostgres(t *testing.T) {
	uri := mustPostgresSchema(t)
	ctx := context.Background()
	db := mustOpen(t, uri)
	svc := NewTrackingService(db)
	reg := NewRegistryService(db)
	expID := mustCreateExperiment(t, svc, "before")
	if _, err := reg.CreateRegisteredModel(ctx, "m", "", nil); err != nil {
		t.Fatal(err)
	}

	u, err := url.Parse(uri)
	if err != nil {
		t.Fatal(err)
	}
	admin, err := sql.Open("pgx", os.Getenv(postgresEnv))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	// endAll ends every connection of the store, as a restart would.
	endAll := func() {
		t.Helper()
		var killed int
		err := admin.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
			WHERE application_name = $1) t`, u.Query().Get("application_name")).Scan(&killed)
		if err != nil {
			t.Fatal(err)
		}
		if killed != db.nconns {
			t.Fatalf("terminated %d connections, want the store's %d", killed, db.nconns)
		}
	}
	endAll()
	// Every reader is used at least once, in channel order.
	for i := range db.nconns + 1 {
		if _, err := svc.GetExperimentByName(ctx, "before"); err != nil {
			t.Fatalf("read %d after the connections ended: %v", i, err)
		}
	}
	mustCreateExperiment(t, svc, "after")

	// The one-statement writes on ended connections: a statement that
	// never reached the server goes to the transaction, on a new one.
	endAll()
	for i := range db.nconns + 1 {
		run, err := svc.CreateRun(ctx, tracking.RunCreate{ExperimentID: expID})
		if err != nil {
			t.Fatalf("create run %d after the connections ended: %v", i, err)
		}
		if err := svc.LogBatch(ctx, run.Info.RunID, []tracking.Metric{{Key: "m", Value: 1, Timestamp: 1}}, nil, nil); err != nil {
			t.Fatalf("log batch %d after the connections ended: %v", i, err)
		}
		if _, err := reg.CreateModelVersion(ctx, registry.VersionCreate{Name: "m", Source: "s3://b/m"}); err != nil {
			t.Fatalf("create version %d after the connections ended: %v", i, err)
		}
	}
	mustCreateExperiment(t, svc, "again")
}

func TestRedactURI(t *testing.T) {
	tests := []struct{ uri, want string }{
		{"postgresql://u:secret@h:5432/db?sslmode=disable", "postgresql://u:xxxxx@h:5432/db?sslmode=disable"},
		{"postgresql+psycopg2://u:secret@h/db", "postgresql+psycopg2://u:xxxxx@h/db"},
		{"postgres://u@h/db", "postgres://u@h/db"},
		{"postgresql://u:sec%zzret@h/db", "postgresql://(unparsable)"},
		{"sqlite:///weir.db", "sqlite:///weir.db"},
	}
	for _, tt := range tests {
		if got := RedactURI(tt.uri); got != tt.want {
			t.Errorf("RedactURI(%q) = %q, want %q", tt.uri, got, tt.want)
		}
	}
}

func TestOpenErrorHidesPassword(t *testing.T) {
	// Port 1 on the loopback refuses connections at once.
	uri := "postgresql://weir:hunter2@127.0.0.1:1/weir?sslmode=disable&connect_timeout=5"
	err := NewDB(uri).Open(context.Background())
	if err == nil {
		t.Fatal("Open succeeded on a closed port")
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Errorf("Open error shows the password: %v", err)
	}
}
