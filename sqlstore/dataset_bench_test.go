package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/weir-ml/weir/evaldata"
)

// BenchmarkUpsertRecords upserts 1,000 new records in one call (MLflow's
// client sends merge_records in one request), then reads them back in one
// page, on SQLite.
func BenchmarkUpsertRecords(b *testing.B) {
	db := MustOpenDB(b)
	svc := NewDatasetService(db)
	ctx := context.Background()
	const n = 1000
	for i := 0; i < b.N; i++ {
		ds, err := svc.CreateDataset(ctx, fmt.Sprintf("bench-%d", i), nil, nil)
		if err != nil {
			b.Fatal(err)
		}
		var sb strings.Builder
		sb.WriteByte('[')
		for r := 0; r < n; r++ {
			if r > 0 {
				sb.WriteByte(',')
			}
			fmt.Fprintf(&sb, `{"inputs": {"question": "q%d", "context": "some text"}, "expectations": {"answer": "a%d"}}`, r, r)
		}
		sb.WriteByte(']')
		recs, err := evaldata.ParseRecords(sb.String())
		if err != nil {
			b.Fatal(err)
		}
		if res, err := svc.UpsertRecords(ctx, ds.ID, recs); err != nil || res.Inserted != n {
			b.Fatalf("upsert: %+v, %v", res, err)
		}
		got, _, err := svc.GetRecords(ctx, ds.ID, n, "")
		if err != nil || len(got) != n {
			b.Fatalf("read %d records, %v", len(got), err)
		}
	}
}
