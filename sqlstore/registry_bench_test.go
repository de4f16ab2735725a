package sqlstore

import (
	"context"
	"fmt"
	"testing"

	"github.com/weir-ml/weir/registry"
	"github.com/weir-ml/weir/tracking"
)

// seedRegistry registers models with versions versions each, every version
// tagged and moved through the stages, in one transaction through the
// store's own SQL so that seeding takes seconds.
func seedRegistry(b *testing.B, db *DB, models, versions int) {
	ctx := context.Background()
	stages := []string{registry.StageNone, registry.StageStaging, registry.StageProduction, registry.StageArchived}
	err := db.writeTx(ctx, func(tx *txn) error {
		for m := range models {
			name := fmt.Sprintf("model-%05d", m)
			if _, err := tx.exec(ctx, `INSERT INTO registered_models (name, creation_time, last_updated_time, last_version)
				VALUES (?, ?, ?, ?)`, name, m, m, versions); err != nil {
				return err
			}
			for v := 1; v <= versions; v++ {
				if _, err := tx.exec(ctx, `INSERT INTO model_versions (name, version, creation_time, last_updated_time, current_stage, source)
					VALUES (?, ?, ?, ?, ?, ?)`, name, v, m*versions+v, m*versions+v, stages[v%4], "s3://b/"+name); err != nil {
					return err
				}
				if err := putVersionTags(ctx, tx, name, int64(v), []registry.Tag{{Key: "k", Value: fmt.Sprint(v)}}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	analyzeForBench(b, db)
}

// BenchmarkGetRegisteredModel reads a model whose latest versions are found
// among many versions.
func BenchmarkGetRegisteredModel(b *testing.B) {
	for _, versions := range []int{10, 10000} {
		b.Run(fmt.Sprintf("versions=%d", versions), func(b *testing.B) {
			db := benchDB(b)
			seedRegistry(b, db, 1, versions)
			reg := NewRegistryService(db)
			reportCPU(b)
			for b.Loop() {
				m, err := reg.GetRegisteredModel(context.Background(), "model-00000")
				if err != nil || len(m.LatestVersions) != 4 {
					b.Fatalf("%v latest versions, %v", m, err)
				}
			}
		})
	}
}

// BenchmarkSearchModelVersions pages through the versions of one model of
// many, and searches all versions in the default order.
func BenchmarkSearchModelVersions(b *testing.B) {
	db := benchDB(b)
	seedRegistry(b, db, 1000, 20)
	reg := NewRegistryService(db)
	searches := []registry.Search{
		{Filter: "name = 'model-00500'", MaxResults: 10},
		{MaxResults: 100},
		{Filter: "tags.k = '3'", MaxResults: 100},
	}
	for _, s := range searches {
		b.Run(fmt.Sprintf("%q", s.Filter), func(b *testing.B) {
			reportCPU(b)
			for b.Loop() {
				mvs, _, err := reg.SearchModelVersions(context.Background(), s)
				if err != nil || len(mvs) == 0 {
					b.Fatalf("%d versions, %v", len(mvs), err)
				}
			}
		})
	}
}

// BenchmarkSearchLoggedModels orders the models of an experiment by a
// metric, as the MLflow UI's model list does.
func BenchmarkSearchLoggedModels(b *testing.B) {
	ctx := context.Background()
	db := benchDB(b)
	tr, lm := NewTrackingService(db), NewLoggedModelService(db)
	run := mustCreateRun(b, tr, tracking.RunCreate{}).Info.RunID
	var metrics []tracking.Metric
	for i := range 1000 {
		m, err := lm.CreateLoggedModel(ctx, tracking.LoggedModelCreate{ExperimentID: "0", SourceRunID: run})
		if err != nil {
			b.Fatal(err)
		}
		for step := range 5 {
			metrics = append(metrics, tracking.Metric{Key: "auc", Value: float64(i%97) / 97, Step: int64(step), Timestamp: int64(step), ModelID: m.ModelID})
		}
		if len(metrics) >= 1000 {
			if err := tr.LogBatch(ctx, run, metrics, nil, nil); err != nil {
				b.Fatal(err)
			}
			metrics = metrics[:0]
		}
	}
	analyzeForBench(b, db)
	s := tracking.LoggedModelSearch{ExperimentIDs: []string{"0"}, Filter: "metrics.auc > 0.5",
		OrderBy: []tracking.LoggedModelOrder{{FieldName: "metrics.auc"}}}
	reportCPU(b)
	for b.Loop() {
		ms, _, err := lm.SearchLoggedModels(ctx, s)
		if err != nil || len(ms) != defaultLoggedModelResults {
			b.Fatalf("%d models, %v", len(ms), err)
		}
	}
}
