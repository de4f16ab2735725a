package tracking

import (
	"fmt"
	"strings"
	"testing"
)

// The parser runs on every search request, so these measure the filters
// clients send most: the UI's and the Python client's.
var benchFilters = map[string]string{
	"simple":   "metrics.acc > 0.9",
	"typical":  "metrics.`val auc` >= 0.75 AND params.model = 'gbdt' AND tags.`mlflow.user` ILIKE '%bob%' AND attributes.status = 'FINISHED'",
	"prompt":   "tags.`mlflow.prompt.is_prompt` != 'true'",
	"in100":    "attributes.run_id IN (" + benchIDs(100) + ")",
	"datasets": "datasets.name IN ('bank', 'bank-2009') AND datasets.context = 'train' AND created > 1700000000000",
}

func benchIDs(n int) string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("'%032x'", i)
	}
	return strings.Join(ids, ", ")
}

func BenchmarkParseRunFilter(b *testing.B) {
	for _, name := range []string{"simple", "typical", "prompt", "in100", "datasets"} {
		filter := benchFilters[name]
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(filter)))
			for b.Loop() {
				if _, err := ParseRunFilter(filter); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkParseRunFilterError(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseRunFilter("metrics.acc > 0.9 OR params.p = 'a'"); err == nil {
			b.Fatal("no error")
		}
	}
}

func BenchmarkParseRunOrderBy(b *testing.B) {
	orderBy := []string{"metrics.`val auc` DESC", "start_time DESC", "attributes.run_name"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseRunOrderBy(orderBy); err != nil {
			b.Fatal(err)
		}
	}
}
