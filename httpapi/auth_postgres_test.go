package httpapi_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"testing"
)

// mustPostgresURI creates a fresh schema in the database named by
// WEIR_TEST_POSTGRES_URL, drops it when the test ends, and returns a URI
// whose search_path is that schema. It skips the test without the variable.
func mustPostgresURI(tb testing.TB) string {
	tb.Helper()
	base := os.Getenv("WEIR_TEST_POSTGRES_URL")
	if base == "" {
		tb.Skip("WEIR_TEST_POSTGRES_URL is not set; run tests/postgres/postgres.sh start DIR PORT for a server")
	}
	schema := fmt.Sprintf("weir_auth_test_%016x", rand.Uint64())
	exec := func(q string) error {
		db, err := sql.Open("pgx", base)
		if err != nil {
			return err
		}
		defer db.Close()
		_, err = db.ExecContext(context.Background(), q)
		return err
	}
	if err := exec("CREATE SCHEMA " + schema); err != nil {
		tb.Fatalf("create schema: %v", err)
	}
	tb.Cleanup(func() {
		if err := exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			tb.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func TestPermissionMatrixPostgres(t *testing.T) {
	mustPostgresURI(t) // skips early without a server
	testPermissionMatrix(t, mustPostgresURI)
}
