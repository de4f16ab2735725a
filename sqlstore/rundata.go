package sqlstore

import (
	"context"
	"database/sql"
	"math"

	"github.com/weir-ml/weir/tracking"
)

// chunkSize bounds the ids bound in one IN list, well below SQLite's and
// PostgreSQL's limits on query parameters.
const chunkSize = 512

// forChunks calls fn with the ids, as query arguments, at most chunkSize at a
// time. Each chunk is padded to a power of two by repeating its last id,
// which changes no IN list's meaning but leaves few distinct query texts to
// prepare.
func forChunks[T any](ids []T, fn func(chunk []any) error) error {
	for start := 0; start < len(ids); start += chunkSize {
		end := min(start+chunkSize, len(ids))
		size := 1
		for size < end-start {
			size *= 2
		}
		chunk := make([]any, size)
		for i := range chunk {
			chunk[i] = ids[min(start+i, end-1)]
		}
		if err := fn(chunk); err != nil {
			return err
		}
	}
	return nil
}

// loadRunData fills the latest metrics, params, tags, inputs and outputs of
// runs, whose Info is set, with one query per kind of data and chunk of runs,
// never one per run. Tables that hold no row at all are not queried.
func loadRunData(ctx context.Context, tx *txn, runs []*tracking.Run) error {
	if len(runs) == 0 {
		return nil
	}
	byID := make(map[string]*tracking.Run, len(runs))
	ids := make([]string, len(runs))
	for i, r := range runs {
		byID[r.Info.RunID] = r
		ids[i] = r.Info.RunID
	}
	// Many servers never log a dataset or a logged model. An IN list costs
	// SQLite about as much to set up as to probe (it builds a temporary
	// index of the ids before reading the first row, even from an empty
	// table), so asking first whether those tables hold anything trades four
	// of the seven queries for one that reads a page of each table.
	var hasInputs, hasModelInputs, hasModelOutputs bool
	if err := tx.scanOne(ctx, `SELECT EXISTS (SELECT 1 FROM inputs), EXISTS (SELECT 1 FROM model_inputs),
		EXISTS (SELECT 1 FROM model_outputs)`, nil, &hasInputs, &hasModelInputs, &hasModelOutputs); err != nil {
		return err
	}
	return forChunks(ids, func(chunk []any) error {
		in := `IN (` + placeholders(len(chunk)) + `)`
		inputs := map[string]inputRef{} // input uuid -> where its tags go
		loaders := []struct {
			skip  bool
			query string
			scan  func(rows *sql.Rows) error
		}{
			{false, `SELECT run_uuid, key, value FROM params WHERE run_uuid ` + in + ` ORDER BY run_uuid, key`,
				func(rows *sql.Rows) error {
					var id string
					var p tracking.Param
					if err := rows.Scan(&id, &p.Key, &p.Value); err != nil {
						return err
					}
					r := byID[id]
					r.Data.Params = append(r.Data.Params, p)
					return nil
				}},
			{false, `SELECT run_uuid, key, value FROM tags WHERE run_uuid ` + in + ` ORDER BY run_uuid, key`,
				func(rows *sql.Rows) error {
					var id string
					var t tracking.Tag
					if err := rows.Scan(&id, &t.Key, &t.Value); err != nil {
						return err
					}
					r := byID[id]
					r.Data.Tags = append(r.Data.Tags, t)
					return nil
				}},
			{false, `SELECT run_uuid, key, value, is_nan, timestamp, step, model_id, dataset_name, dataset_digest
				FROM latest_metrics WHERE run_uuid ` + in + ` ORDER BY run_uuid, key`,
				func(rows *sql.Rows) error {
					var id string
					var m tracking.Metric
					if err := scanMetric(rows, &m, &id, &m.Key); err != nil {
						return err
					}
					r := byID[id]
					r.Data.Metrics = append(r.Data.Metrics, m)
					return nil
				}},
			{!hasInputs, `SELECT i.run_uuid, i.input_uuid, ds.name, ds.digest, ds.dataset_source_type, ds.dataset_source, ds.dataset_schema, ds.dataset_profile
				FROM inputs i JOIN datasets ds ON ds.dataset_uuid = i.dataset_uuid
				WHERE i.run_uuid ` + in + ` ORDER BY i.run_uuid, ds.name, ds.digest`,
				func(rows *sql.Rows) error {
					var id, input string
					var ds tracking.Dataset
					if err := rows.Scan(&id, &input, &ds.Name, &ds.Digest, &ds.SourceType, &ds.Source, &ds.Schema, &ds.Profile); err != nil {
						return err
					}
					r := byID[id]
					inputs[input] = inputRef{r, len(r.Inputs.DatasetInputs)}
					r.Inputs.DatasetInputs = append(r.Inputs.DatasetInputs, tracking.DatasetInput{Dataset: ds})
					return nil
				}},
			{!hasInputs, `SELECT t.input_uuid, t.name, t.value FROM inputs i JOIN input_tags t ON t.input_uuid = i.input_uuid
				WHERE i.run_uuid ` + in + ` ORDER BY i.run_uuid, t.input_uuid, t.name`,
				func(rows *sql.Rows) error {
					var input string
					var t tracking.Tag
					if err := rows.Scan(&input, &t.Key, &t.Value); err != nil {
						return err
					}
					if ref, ok := inputs[input]; ok {
						di := &ref.run.Inputs.DatasetInputs[ref.index]
						di.Tags = append(di.Tags, t)
					}
					return nil
				}},
			{!hasModelInputs, `SELECT run_uuid, model_id FROM model_inputs WHERE run_uuid ` + in + ` ORDER BY run_uuid, model_id`,
				func(rows *sql.Rows) error {
					var id string
					var mi tracking.ModelInput
					if err := rows.Scan(&id, &mi.ModelID); err != nil {
						return err
					}
					r := byID[id]
					r.Inputs.ModelInputs = append(r.Inputs.ModelInputs, mi)
					return nil
				}},
			{!hasModelOutputs, `SELECT run_uuid, model_id, step FROM model_outputs WHERE run_uuid ` + in + ` ORDER BY run_uuid, step, model_id`,
				func(rows *sql.Rows) error {
					var id string
					var mo tracking.ModelOutput
					if err := rows.Scan(&id, &mo.ModelID, &mo.Step); err != nil {
						return err
					}
					r := byID[id]
					r.Outputs.ModelOutputs = append(r.Outputs.ModelOutputs, mo)
					return nil
				}},
		}
		for _, l := range loaders {
			if l.skip {
				continue
			}
			if err := tx.each(ctx, l.query, chunk, l.scan); err != nil {
				return err
			}
		}
		return nil
	})
}

// inputRef locates a dataset input of a run being loaded.
type inputRef struct {
	run   *tracking.Run
	index int
}

// scanMetric scans the columns in head, then value, is_nan, timestamp,
// step, model_id, dataset_name and dataset_digest into m.
func scanMetric(rows *sql.Rows, m *tracking.Metric, head ...any) error {
	var isNaN bool
	// A history scans this per point: the array keeps the argument list
	// off the heap, which append(head, ...) would allocate every time.
	var buf [9]any
	dest := append(buf[:0], head...)
	dest = append(dest, &m.Value, &isNaN, &m.Timestamp, &m.Step, &m.ModelID, &m.DatasetName, &m.DatasetDigest)
	err := rows.Scan(dest...)
	if isNaN {
		m.Value = math.NaN()
	}
	return err
}

// storedValue is how a metric value is stored: NaN, which SQL REAL columns
// cannot hold, as 0 with the is_nan flag; ±Inf as is. The flag is an
// integer, the portable spelling of a boolean column.
func storedValue(v float64) (value float64, isNaN int) {
	if math.IsNaN(v) {
		return 0, 1
	}
	return v, 0
}
