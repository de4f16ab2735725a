package sqlstore

import (
	"context"
	"database/sql"
	"maps"
	"strings"
	"testing"

	"github.com/weir-ml/weir/tracing"
)

// testTraceKV checks that traces.kv, the packed copy of a trace's tags and
// metadata, equals the tables after every kind of write, for keys and
// values with the format's own characters in them; and that migration
// 0011's backfill packs what repackTraceKV packs.
func testTraceKV(t *testing.T, db *DB) {
	ctx := context.Background()
	exp := mustCreateExperiment(t, NewTrackingService(db), "kv")
	svc := NewTraceService(db)
	spansFirst, _ := traceID(1)
	infoOnly, _ := traceID(2)
	check := func(step string) {
		t.Helper()
		for _, id := range []string{spansFirst, infoOnly} {
			tags, meta := kvTables(t, db, id)
			in, err := svc.GetTraceInfo(ctx, id)
			if err != nil {
				t.Fatalf("%s: %v", step, err)
			}
			// A trace named by its root span shows the name as a tag
			// without one stored.
			delete(in.Tags, tracing.TagTraceName)
			delete(tags, tracing.TagTraceName)
			if !maps.Equal(in.Tags, tags) {
				t.Errorf("%s: trace %s tags = %v, tables hold %v", step, id, in.Tags, tags)
			}
			if !maps.Equal(in.Metadata, meta) {
				t.Errorf("%s: trace %s metadata = %v, tables hold %v", step, id, in.Metadata, meta)
			}
		}
	}
	if err := svc.LogSpans(ctx, exp, []tracing.Span{testSpan(1, 0, 1000, "CHAIN", 1)}); err != nil {
		t.Fatal(err)
	}
	odd := map[string]string{"t4:team4:blue": "1:x", "12": "", "ünï": "çødé 🙂", "colon:": "::", "team": "blue"}
	for _, id := range []string{spansFirst, infoOnly} {
		if _, err := svc.StartTrace(ctx, tracing.Info{TraceID: id, ExperimentID: exp, State: tracing.StateOK,
			RequestTime: 2000, Tags: odd, Metadata: map[string]string{"m1:": "v", "mlflow.user": "ann"}}); err != nil {
			t.Fatal(err)
		}
	}
	check("after StartTrace")
	if err := svc.SetTraceTag(ctx, infoOnly, "team", "red:4"); err != nil {
		t.Fatal(err)
	}
	if err := svc.SetTraceTag(ctx, spansFirst, tracing.TagTraceName, "renamed"); err != nil {
		t.Fatal(err)
	}
	check("after SetTraceTag")
	if err := svc.DeleteTraceTag(ctx, infoOnly, "t4:team4:blue"); err != nil {
		t.Fatal(err)
	}
	check("after DeleteTraceTag")
	if err := svc.LogSpans(ctx, exp, []tracing.Span{testSpan(1, 1, 1000, "TOOL", 1)}); err != nil {
		t.Fatal(err)
	}
	check("after more spans")
	if _, err := svc.CreateAssessment(ctx, tracing.Assessment{TraceID: infoOnly, Name: "correct",
		Feedback: []byte(`{"value": true}`)}); err != nil {
		t.Fatal(err)
	}

	// The backfill of migration 0011 packs the same entries.
	want := map[string]string{}
	for _, id := range []string{spansFirst, infoOnly} {
		want[id] = mustKV(t, db, id)
	}
	body, err := migrations.ReadFile("migrations/" + db.dialect.name + "/0011_trace_kv.sql")
	if err != nil {
		t.Fatal(err)
	}
	err = db.writeTx(ctx, func(tx *txn) error {
		if _, err := tx.exec(ctx, `UPDATE traces SET kv = '', assessments = 0`); err != nil {
			return err
		}
		for _, stmt := range strings.Split(string(body), ";") {
			if i := strings.Index(stmt, "UPDATE traces"); i >= 0 {
				if _, err := tx.exec(ctx, stmt[i:]); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for id, kv := range want {
		if got := mustKV(t, db, id); !sameKV(t, got, kv) {
			t.Errorf("trace %s: backfill packed %q, repackTraceKV %q", id, got, kv)
		}
	}
	check("after the backfill")
	// ... and counts the assessments, which a trace's info then carries.
	for id, want := range map[string]int{spansFirst: 0, infoOnly: 1} {
		in, err := svc.GetTraceInfo(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if len(in.Assessments) != want {
			t.Errorf("after the backfill, trace %s has %d assessments, want %d", id, len(in.Assessments), want)
		}
	}
}

func kvTables(t *testing.T, db *DB, traceID string) (tags, meta map[string]string) {
	t.Helper()
	tags, meta = map[string]string{}, map[string]string{}
	err := db.readTx(context.Background(), func(tx *txn) error {
		for table, into := range map[string]map[string]string{"trace_tags": tags, "trace_metadata": meta} {
			err := tx.each(context.Background(), `SELECT key, value FROM `+table+` WHERE trace_id = ?`, []any{traceID},
				func(rows *sql.Rows) error {
					var k, v string
					err := rows.Scan(&k, &v)
					into[k] = v
					return err
				})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return tags, meta
}

func mustKV(t *testing.T, db *DB, traceID string) string {
	t.Helper()
	var kv string
	err := db.readTx(context.Background(), func(tx *txn) error {
		return tx.scanOne(context.Background(), `SELECT kv FROM traces WHERE trace_id = ?`, []any{traceID}, &kv)
	})
	if err != nil {
		t.Fatal(err)
	}
	return kv
}

// sameKV reports whether two packed columns hold the same entries, in
// whatever order.
func sameKV(t *testing.T, a, b string) bool {
	t.Helper()
	unpack := func(kv string) *tracing.Info {
		in := &tracing.Info{Tags: map[string]string{}, Metadata: map[string]string{}}
		if err := unpackTraceKV(kv, in); err != nil {
			t.Fatal(err)
		}
		return in
	}
	x, y := unpack(a), unpack(b)
	return maps.Equal(x.Tags, y.Tags) && maps.Equal(x.Metadata, y.Metadata) && len(a) == len(b)
}

func TestUnpackTraceKV(t *testing.T) {
	in := &tracing.Info{TraceID: "tr-1", Tags: map[string]string{}, Metadata: map[string]string{}}
	if err := unpackTraceKV("t4:team4:bluem3:a:b0:t0:0:", in); err != nil {
		t.Fatal(err)
	}
	if got, want := in.Tags, map[string]string{"team": "blue", "": ""}; !maps.Equal(got, want) {
		t.Errorf("tags = %v, want %v", got, want)
	}
	if got, want := in.Metadata, map[string]string{"a:b": ""}; !maps.Equal(got, want) {
		t.Errorf("metadata = %v, want %v", got, want)
	}
	for _, bad := range []string{"t", "t4", "t4:tea", "t4:team", "t4:team9:blue", "x1:a1:b", "t-1:a1:b", "t1:a1b"} {
		in := &tracing.Info{TraceID: "tr-1", Tags: map[string]string{}, Metadata: map[string]string{}}
		err := unpackTraceKV(bad, in)
		if err == nil || !strings.Contains(err.Error(), "tr-1") {
			t.Errorf("unpackTraceKV(%q) = %v, want an error naming the trace", bad, err)
		}
	}
}
