package sqlstore

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/weir-ml/weir/tracing"
)

// A trace row's kv column packs its tags and metadata (migration
// 0011_trace_kv), so reading a page of traces needs no statement per
// key/value table. Each entry is a kind byte ('t' tag, 'm' metadata), then
// the key and the value, each written as its length in bytes in decimal, a
// colon and the bytes: "t4:team4:blue". Lengths make any byte in a key or
// value safe. The entries come in no particular order.

// repackTraceKVSQL rebuilds traces.kv of one trace (its id bound three
// times) from trace_tags and trace_metadata, inside the database.
func repackTraceKVSQL(d dialect) string {
	length := func(col string) string { return `length(CAST(` + col + ` AS BLOB))` }
	concat := `group_concat`
	if d.dollarParams {
		length = func(col string) string { return `octet_length(` + col + `)` }
		concat = `string_agg`
	}
	entry := func(kind, alias string) string {
		return `'` + kind + `' || ` + length(alias+".key") + ` || ':' || ` + alias + `.key || ` +
			length(alias+".value") + ` || ':' || ` + alias + `.value`
	}
	return `UPDATE traces SET kv = COALESCE((SELECT ` + concat + `(x, '') FROM (
		SELECT ` + entry("t", "k") + ` AS x FROM trace_tags k WHERE k.trace_id = ?
		UNION ALL
		SELECT ` + entry("m", "m") + ` FROM trace_metadata m WHERE m.trace_id = ?) AS p), '')
		WHERE trace_id = ?`
}

// repackTraceKVStmt is repackTraceKVSQL by dialect name, built once: trace
// ingest runs it for every trace.
var repackTraceKVStmt = map[string]string{sqlite.name: repackTraceKVSQL(sqlite), postgres.name: repackTraceKVSQL(postgres)}

// repackTraceKV rebuilds a trace's packed tags and metadata; every write
// to trace_tags or trace_metadata calls it before its transaction ends.
func repackTraceKV(ctx context.Context, tx *txn, traceID string) error {
	_, err := tx.exec(ctx, repackTraceKVStmt[tx.d.name], traceID, traceID, traceID)
	return err
}

// unpackTraceKV fills in's tags and metadata from a kv column.
func unpackTraceKV(kv string, in *tracing.Info) error {
	for len(kv) > 0 {
		kind := kv[0]
		key, rest, ok := cutCounted(kv[1:])
		if !ok {
			return errBadKV(in.TraceID)
		}
		value, rest, ok := cutCounted(rest)
		if !ok {
			return errBadKV(in.TraceID)
		}
		switch kind {
		case 't':
			in.Tags[key] = value
		case 'm':
			in.Metadata[key] = value
		default:
			return errBadKV(in.TraceID)
		}
		kv = rest
	}
	return nil
}

// cutCounted reads "<n>:<n bytes>" from the start of s.
func cutCounted(s string) (field, rest string, ok bool) {
	digits, rest, ok := strings.Cut(s, ":")
	if !ok {
		return "", "", false
	}
	n, err := strconv.Atoi(digits)
	if err != nil || n < 0 || n > len(rest) {
		return "", "", false
	}
	return rest[:n], rest[n:], true
}

func errBadKV(traceID string) error {
	return fmt.Errorf("the packed tags and metadata of trace %s (traces.kv) do not parse: "+
		"the database was changed by something other than weir", traceID)
}
