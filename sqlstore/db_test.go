package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	weir "github.com/weir-ml/weir"
	"github.com/weir-ml/weir/tracking"
)

// newServiceFunc makes an empty tracking service for one test. The suite
// tests take one so that they can run on every database the store supports.
type newServiceFunc func(t testing.TB) tracking.Service

// MustOpenDB opens a database file in a fresh temporary directory and closes
// it when the test ends.
func MustOpenDB(tb testing.TB) *DB {
	tb.Helper()
	return mustOpen(tb, "sqlite:///"+filepath.Join(tb.TempDir(), "weir.db"))
}

func mustOpen(tb testing.TB, uri string) *DB {
	tb.Helper()
	db := NewDB(uri)
	if err := db.Open(context.Background()); err != nil {
		tb.Fatalf("Open(%q): %v", uri, err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return db
}

// newSQLiteService is a newServiceFunc on a SQLite file.
func newSQLiteService(tb testing.TB) tracking.Service {
	return NewTrackingService(MustOpenDB(tb))
}

// newMemoryService is a newServiceFunc on an in-memory SQLite database.
func newMemoryService(tb testing.TB) tracking.Service {
	return NewTrackingService(mustOpen(tb, "sqlite:///:memory:"))
}

// wantCode fails the test unless err carries the weir error code want ("" for
// no error).
func wantCode(tb testing.TB, err error, want string) {
	tb.Helper()
	if got := weir.ErrorCode(err); got != want {
		tb.Fatalf("error code = %q (%v), want %q", got, err, want)
	}
}

func TestParseSQLiteURI(t *testing.T) {
	tests := []struct {
		uri        string
		wantPath   string
		wantMemory bool
		wantErr    bool
	}{
		{"sqlite:///weir.db", "weir.db", false, false},
		{"sqlite:///data/weir.db", "data/weir.db", false, false},
		{"sqlite:////abs/path/weir.db", "/abs/path/weir.db", false, false},
		{"sqlite:///:memory:", "", true, false},
		{"sqlite://", "", true, false},
		{"postgresql://u@h/db", "", false, true},
		{"weir.db", "", false, true},
		{"sqlite:///weir.db?mode=ro", "", false, true},
		{"", "", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.uri, func(t *testing.T) {
			path, memory, err := parseSQLiteURI(tt.uri)
			if (err != nil) != tt.wantErr {
				t.Fatalf("parseSQLiteURI(%q) error = %v, want error %v", tt.uri, err, tt.wantErr)
			}
			if path != tt.wantPath || memory != tt.wantMemory {
				t.Errorf("parseSQLiteURI(%q) = %q, %v; want %q, %v", tt.uri, path, memory, tt.wantPath, tt.wantMemory)
			}
		})
	}
}

func TestOpenBadURI(t *testing.T) {
	db := NewDB("mysql://localhost/weir")
	err := db.Open(context.Background())
	wantCode(t, err, weir.ErrInvalidParameterValue)
}

func TestOpenTwiceKeepsDataAndMigrationsOnce(t *testing.T) {
	ctx := context.Background()
	uri := "sqlite:///" + filepath.Join(t.TempDir(), "weir.db")
	db := NewDB(uri)
	db.DefaultArtifactRoot = "s3://bucket/root"
	db.Now = func() time.Time { return time.UnixMilli(1700000000000) }
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
	svc := NewTrackingService(db2)
	exp, err := svc.GetExperiment(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := exp.ArtifactLocation, "s3://bucket/root/"+id; got != want {
		t.Errorf("artifact location = %q, want %q", got, want)
	}
	def, err := svc.GetExperiment(ctx, "0")
	if err != nil {
		t.Fatal(err)
	}
	want := tracking.Experiment{ID: "0", Name: "Default", ArtifactLocation: "s3://bucket/root/0",
		LifecycleStage: "active", CreationTime: 1700000000000, LastUpdateTime: 1700000000000}
	if fmt.Sprint(*def) != fmt.Sprint(want) {
		t.Errorf("Default experiment = %+v, want %+v", *def, want)
	}
	var n int
	err = db2.readTx(ctx, func(tx *txn) error {
		return tx.scanOne(ctx, `SELECT COUNT(*) FROM schema_migrations`, nil, &n)
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := countMigrations(t); n != want {
		t.Errorf("schema_migrations has %d rows, want %d", n, want)
	}
}

// TestSQLiteFileSettings checks the settings every connection to a file
// gets, on the writer and on the readers: WAL, foreign keys and the memory
// map that keeps page reads off the shared page cache.
func TestSQLiteFileSettings(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t, "sqlite:///"+filepath.Join(t.TempDir(), "weir.db"))
	for _, c := range []struct {
		pragma string
		want   string
	}{
		{"journal_mode", "wal"},
		{"foreign_keys", "1"},
		{"mmap_size", strconv.Itoa(sqliteMmapSize)},
	} {
		for name, inTx := range map[string]func(context.Context, func(*txn) error) error{"reader": db.readTx, "writer": db.writeTx} {
			var got string
			err := inTx(ctx, func(tx *txn) error {
				return tx.scanOne(ctx, `PRAGMA `+c.pragma, nil, &got)
			})
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("%s: PRAGMA %s = %s, want %s", name, c.pragma, got, c.want)
			}
		}
	}
}

// TestConnections checks that Connections sizes the pools: one writer and
// the rest readers, on SQLite and (when its URL is set) PostgreSQL.
func TestConnections(t *testing.T) {
	uris := []string{"sqlite:///" + filepath.Join(t.TempDir(), "weir.db")}
	if os.Getenv("WEIR_TEST_POSTGRES_URL") != "" {
		uris = append(uris, mustPostgresSchema(t))
	}
	for _, uri := range uris {
		for _, tt := range []struct{ conns, readers int }{{2, 1}, {3, 2}, {0, max(4, runtime.NumCPU())}} {
			db := NewDB(uri)
			db.Connections = tt.conns
			if err := db.Open(context.Background()); err != nil {
				t.Fatal(err)
			}
			if got := cap(db.readers); got != tt.readers || db.nconns != tt.readers+1 {
				t.Errorf("%s, Connections %d: %d readers of %d connections, want %d of %d",
					RedactURI(uri), tt.conns, got, db.nconns, tt.readers, tt.readers+1)
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func countMigrations(t *testing.T) int {
	entries, err := migrations.ReadDir("migrations/sqlite")
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}

func TestClosedDB(t *testing.T) {
	db := MustOpenDB(t)
	svc := NewTrackingService(db)
	db.Close()
	_, err := svc.GetExperiment(context.Background(), "0")
	if err == nil {
		t.Fatal("GetExperiment on a closed DB: no error")
	}
	if errors.Is(err, context.Canceled) {
		t.Fatal("unexpected cancellation")
	}
}

func TestLikeToGlob(t *testing.T) {
	tests := []struct{ like, want string }{
		{"abc", "abc"},
		{"a%", "a*"},
		{"_b%", "?b*"},
		{"a*b?c[d]", "a[*]b[?]c[[]d]"},
		{"%é_", "*é?"},
	}
	for _, tt := range tests {
		if got := likeToGlob(tt.like); got != tt.want {
			t.Errorf("likeToGlob(%q) = %q, want %q", tt.like, got, tt.want)
		}
	}
}

func TestJoinURI(t *testing.T) {
	tests := []struct{ base, elem, want string }{
		{"mlflow-artifacts:/", "0", "mlflow-artifacts:/0"},
		{"s3://b/root", "3", "s3://b/root/3"},
		{"/tmp/art/", "1", "/tmp/art/1"},
		{"", "1", "1"},
	}
	for _, tt := range tests {
		if got := joinURI(tt.base, tt.elem); got != tt.want {
			t.Errorf("joinURI(%q, %q) = %q, want %q", tt.base, tt.elem, got, tt.want)
		}
	}
}

func TestOpenPaths(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	t.Chdir(dir)
	tests := []struct{ uri, file string }{
		{"sqlite:///rel.db", filepath.Join(dir, "rel.db")},
		{"sqlite:///sub dir/with space%.db", filepath.Join(dir, "sub dir", "with space%.db")},
		{"sqlite:///" + filepath.Join(dir, "abs.db"), filepath.Join(dir, "abs.db")},
	}
	if err := os.Mkdir(filepath.Join(dir, "sub dir"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.uri, func(t *testing.T) {
			db := mustOpen(t, tt.uri)
			if _, err := NewTrackingService(db).CreateExperiment(ctx, "e", "", nil); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(tt.file); err != nil {
				t.Errorf("database file: %v", err)
			}
		})
	}
}

// A failed or panicking transaction must leave its connection usable.
func TestTransactionRecovery(t *testing.T) {
	for _, uri := range []string{"", "sqlite:///:memory:"} {
		db := MustOpenDB(t)
		if uri != "" {
			db = mustOpen(t, uri)
		}
		svc := NewTrackingService(db)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := svc.CreateExperiment(ctx, "cancelled", "", nil); !errors.Is(err, context.Canceled) {
			t.Errorf("CreateExperiment with a cancelled context: %v, want context.Canceled", err)
		}
		func() {
			defer func() { recover() }()
			db.writeTx(context.Background(), func(tx *txn) error {
				if _, err := tx.exec(context.Background(), `INSERT INTO experiments
					(experiment_id, name, creation_time, last_update_time) VALUES (77, 'half', 0, 0)`); err != nil {
					t.Fatal(err)
				}
				panic("boom")
			})
		}()
		for i := range 2 {
			if _, err := svc.CreateExperiment(context.Background(), fmt.Sprint("after-", i), "", nil); err != nil {
				t.Fatalf("after a panic: %v", err)
			}
		}
		_, err := svc.GetExperimentByName(context.Background(), "half")
		wantCode(t, err, weir.ErrResourceDoesNotExist)
	}
}
