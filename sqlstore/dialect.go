package sqlstore

import (
	"strconv"
	"strings"
)

// dialect holds what differs between SQL databases. Queries are written with
// ? placeholders and rebound for the database.
type dialect struct {
	name string // folder under migrations/
	// dollarParams says placeholders are $1, $2, ... (PostgreSQL).
	dollarParams bool
	// beginWrite and beginRead start transactions.
	beginWrite, beginRead string
	// beginRowWrite, when set, starts a write transaction that takes no
	// writer lock and runs on a shared connection (see DB.rowWriteTx); when
	// empty, such transactions are ordinary write transactions.
	beginRowWrite string
	// oneStatementWrites says the busiest row writes are first tried as
	// one statement outside a transaction (see oneStatement).
	oneStatementWrites bool
	// onClose is run on the write connection before it closes, if set.
	onClose string
}

// sqlite is SQLite's dialect. BEGIN IMMEDIATE takes the write lock up
// front, so a write transaction never has to upgrade a read lock (which can
// fail with SQLITE_BUSY); PRAGMA optimize refreshes the planner statistics,
// as SQLite's documentation asks of long-lived connections.
var sqlite = dialect{name: "sqlite", beginWrite: "BEGIN IMMEDIATE", beginRead: "BEGIN", onClose: "PRAGMA optimize"}

// rebind rewrites ? placeholders for the dialect. Queries never contain a ?
// inside a string literal, so a plain scan is enough.
func (d dialect) rebind(q string) string {
	if !d.dollarParams {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// noLimit is the LIMIT clause that allows any number of rows, for an OFFSET
// without a LIMIT.
func (d dialect) noLimit() string {
	if d.dollarParams {
		return "LIMIT ALL"
	}
	return "LIMIT -1"
}

// like returns a case-sensitive SQL LIKE of col against one placeholder, and
// the argument to bind. SQLite's LIKE ignores ASCII case, so there the pattern
// becomes a GLOB, which is case-sensitive. PostgreSQL's LIKE is
// case-sensitive already; an empty ESCAPE turns off its default backslash
// escape, which neither MLflow nor SQLite has.
func (d dialect) like(col, pattern string) (string, any) {
	if d.name == "sqlite" {
		return col + " GLOB ?", likeToGlob(pattern)
	}
	return col + " LIKE ? ESCAPE ''", pattern
}

// ilike returns a case-insensitive LIKE of col against one placeholder.
func (d dialect) ilike(col, pattern string) (string, any) {
	if d.name == "postgres" {
		return col + " ILIKE ? ESCAPE ''", pattern
	}
	return "LOWER(" + col + ") LIKE LOWER(?)", pattern
}

// likeToGlob turns a LIKE pattern (% any run, _ one character, no escape
// character, as MLflow sends it) into a GLOB pattern, bracketing GLOB's own
// special characters so they match themselves.
func likeToGlob(p string) string {
	var b strings.Builder
	for _, r := range p {
		switch r {
		case '%':
			b.WriteByte('*')
		case '_':
			b.WriteByte('?')
		case '*', '?', '[':
			b.WriteString("[" + string(r) + "]")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// joinURI appends a path element to a URI or path with exactly one slash,
// as MLflow's append_to_uri_path does for artifact locations.
func joinURI(base, elem string) string {
	if base == "" {
		return elem
	}
	if strings.HasSuffix(base, "/") {
		return base + elem
	}
	return base + "/" + elem
}
