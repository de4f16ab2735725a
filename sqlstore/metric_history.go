package sqlstore

import (
	"context"
	"database/sql"

	weir "github.com/weir-ml/weir"
	"github.com/weir-ml/weir/tracking"
)

// Limits of GetMetricHistoryBulkInterval, as MLflow's.
const (
	maxBulkRuns         = 100
	maxBulkPointsPerRun = 2500
	// metricHistoryColumns leaves out the key, which the caller knows.
	metricHistoryColumns = `value, is_nan, timestamp, step, model_id, dataset_name, dataset_digest`
)

// GetMetricHistory returns a run's values of one metric ordered by step,
// then timestamp, a page of MaxResults at a time (all of them for 0).
func (s *TrackingService) GetMetricHistory(ctx context.Context, mq tracking.MetricHistoryQuery) (metrics []tracking.Metric, next string, err error) {
	defer weir.Wrap(&err, "GetMetricHistory(%q, %q)", mq.RunID, mq.Key)
	q, args, offset, err := s.historyQuery(mq)
	if err != nil {
		return nil, "", err
	}
	err = s.db.readTx(ctx, func(tx *txn) error {
		// An unknown run has no points: MLflow does not look the run up
		// either, and answers with an empty history.
		// Histories run to hundreds of thousands of points: counting them
		// first (an index range scan) is cheaper than growing the slice.
		n := mq.MaxResults + 1
		if mq.MaxResults == 0 {
			if err := tx.scanOne(ctx, `SELECT COUNT(*) FROM metrics WHERE run_uuid = ? AND key = ?`,
				[]any{mq.RunID, mq.Key}, &n); err != nil {
				return err
			}
			n = max(n-offset, 0)
		}
		metrics = make([]tracking.Metric, 0, n)
		p := newHistoryPoint(s.db.dialect)
		return tx.each(ctx, q, args, func(rows *sql.Rows) error {
			m := tracking.Metric{Key: mq.Key, RunID: mq.RunID}
			err := p.scan(rows, &m)
			metrics = append(metrics, m)
			return err
		})
	})
	if err != nil {
		return nil, "", err
	}
	if mq.MaxResults > 0 && len(metrics) > mq.MaxResults {
		metrics = metrics[:mq.MaxResults]
		next = encodeHistoryToken(offset+mq.MaxResults, mq, &metrics[mq.MaxResults-1])
	}
	if metrics == nil {
		metrics = []tracking.Metric{}
	}
	return metrics, next, nil
}

// EachMetricHistory answers the same query as GetMetricHistory, but calls
// fn with each point as it is read instead of returning them all, so that a
// server can send a history of a hundred thousand points while reading it,
// in constant memory. fn gets the same *Metric each time, overwritten, and
// stops the read by returning an error, which EachMetricHistory returns.
// The points are read in one transaction: fn should not wait long.
func (s *TrackingService) EachMetricHistory(ctx context.Context, mq tracking.MetricHistoryQuery, fn func(*tracking.Metric) error) (next string, err error) {
	defer weir.Wrap(&err, "EachMetricHistory(%q, %q)", mq.RunID, mq.Key)
	q, args, offset, err := s.historyQuery(mq)
	if err != nil {
		return "", err
	}
	err = s.db.readTx(ctx, func(tx *txn) error {
		n := 0
		m := tracking.Metric{Key: mq.Key, RunID: mq.RunID}
		p := newHistoryPoint(s.db.dialect)
		return tx.each(ctx, q, args, func(rows *sql.Rows) error {
			n++
			if mq.MaxResults > 0 && n > mq.MaxResults {
				// The extra row the query asked for: there is a next page,
				// which starts after the point m still holds.
				next = encodeHistoryToken(offset+mq.MaxResults, mq, &m)
				return nil
			}
			if err := p.scan(rows, &m); err != nil {
				return err
			}
			return fn(&m)
		})
	})
	if err != nil {
		return "", err
	}
	return next, nil
}

// historyQuery checks a history query and returns its SQL, arguments and
// the offset its page token decodes to.
func (s *TrackingService) historyQuery(mq tracking.MetricHistoryQuery) (q string, args []any, offset int, err error) {
	if err := tracking.ValidateRunID(mq.RunID); err != nil {
		return "", nil, 0, err
	}
	if mq.MaxResults < 0 {
		return "", nil, 0, weir.Errorf(weir.ErrInvalidParameterValue,
			"Invalid value %d for parameter 'max_results' supplied. It must be a positive integer", mq.MaxResults)
	}
	offset, err = tracking.DecodePageToken(mq.PageToken)
	if err != nil {
		return "", nil, 0, err
	}
	q = `SELECT ` + historyColumns(s.db.dialect) + ` FROM metrics WHERE run_uuid = ? AND key = ?`
	args = []any{mq.RunID, mq.Key}
	skip := offset
	if p := decodeHistoryKeyset(mq); p != nil {
		// Where the previous page ended, by the primary key: a page
		// deep in a long history costs what the first does.
		q += ` AND (step, timestamp, value, is_nan) > (?, ?, ?, ?)`
		args = append(args, p.Step, p.Timestamp, p.Value, p.IsNaN)
		skip = 0
	}
	q += ` ORDER BY step, timestamp, value, is_nan`
	if mq.MaxResults > 0 {
		q += ` LIMIT ? OFFSET ?`
		args = append(args, mq.MaxResults+1, skip)
	} else if skip > 0 {
		q += ` ` + s.db.dialect.noLimit() + ` OFFSET ?`
		args = append(args, skip)
	}
	return q, args, offset, nil
}

// GetMetricHistoryBulkInterval samples one metric's history of each run:
// at most MaxResults points per run (2500 by default), spread evenly over
// the history ordered by (step, timestamp, value), always keeping the first
// and the last point, optionally only between StartStep and EndStep
// inclusive. This is the sampling of MLflow 3's SQL store: one NTILE bucket
// per point kept, the first row of each bucket, plus the last row.
func (s *TrackingService) GetMetricHistoryBulkInterval(ctx context.Context, bq tracking.BulkIntervalQuery) (metrics []tracking.Metric, err error) {
	defer weir.Wrap(&err, "GetMetricHistoryBulkInterval(%q)", bq.Key)
	if err := validateBulkInterval(&bq); err != nil {
		return nil, err
	}
	where := `run_uuid = ? AND key = ?`
	var rng []any
	if bq.StartStep != nil {
		where += ` AND step >= ? AND step <= ?`
		rng = []any{*bq.StartStep, *bq.EndStep}
	}
	// Sampled rows, then the last row, which the buckets may have missed.
	q := `SELECT ` + metricHistoryColumns + ` FROM (
			SELECT *, ROW_NUMBER() OVER (PARTITION BY bucket ORDER BY step, timestamp, value, is_nan) AS rn
			FROM (SELECT *, NTILE(?) OVER (ORDER BY step, timestamp, value, is_nan) AS bucket
				FROM metrics WHERE ` + where + `) b
		) s WHERE rn = 1 ORDER BY step, timestamp, value, is_nan`
	last := `SELECT ` + metricHistoryColumns + ` FROM metrics WHERE ` + where + `
		ORDER BY step DESC, timestamp DESC, value DESC, is_nan DESC LIMIT 1`
	err = s.db.readTx(ctx, func(tx *txn) error {
		// Unknown runs contribute no points, as in MLflow, which samples
		// the metrics table without looking the runs up.
		for _, id := range bq.RunIDs {
			args := append([]any{bq.MaxResults, id, bq.Key}, rng...)
			var sample []tracking.Metric
			scan := func(rows *sql.Rows) error {
				m := tracking.Metric{Key: bq.Key, RunID: id}
				err := scanMetric(rows, &m)
				sample = append(sample, m)
				return err
			}
			if err := tx.each(ctx, q, args, scan); err != nil {
				return err
			}
			n := len(sample)
			if err := tx.each(ctx, last, args[1:], scan); err != nil {
				return err
			}
			if len(sample) > n { // the last row, appended
				lastRow := sample[n]
				sample = sample[:n]
				if n == 0 || !sameMetricPoint(sample[n-1], lastRow) {
					if n >= bq.MaxResults {
						sample[n-1] = lastRow
					} else {
						sample = append(sample, lastRow)
					}
				}
			}
			metrics = append(metrics, sample...)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if metrics == nil {
		metrics = []tracking.Metric{}
	}
	return metrics, nil
}

// sameMetricPoint reports whether a and b are the same stored history row.
func sameMetricPoint(a, b tracking.Metric) bool {
	av, an := storedValue(a.Value)
	bv, bn := storedValue(b.Value)
	return a.Step == b.Step && a.Timestamp == b.Timestamp && av == bv && an == bn
}

// validateBulkInterval checks a bulk-interval query as MLflow's handler
// does, and applies the default of 2500 points per run.
func validateBulkInterval(bq *tracking.BulkIntervalQuery) error {
	switch n := len(bq.RunIDs); {
	case n == 0:
		return weir.Errorf(weir.ErrInvalidParameterValue, "Missing value for required parameter 'run_ids'.")
	case n > maxBulkRuns:
		return weir.Errorf(weir.ErrInvalidParameterValue,
			"GetMetricHistoryBulkInterval request must specify at most %d run_ids. Received %d run_ids.", maxBulkRuns, n)
	}
	for _, id := range bq.RunIDs {
		if err := tracking.ValidateRunID(id); err != nil {
			return err
		}
	}
	if bq.Key == "" {
		return weir.Errorf(weir.ErrInvalidParameterValue, "Missing value for required parameter 'metric_key'.")
	}
	if bq.MaxResults == 0 {
		bq.MaxResults = maxBulkPointsPerRun
	}
	if bq.MaxResults < 1 || bq.MaxResults > maxBulkPointsPerRun {
		return weir.Errorf(weir.ErrInvalidParameterValue, "max_results must be between 1 and %d.", maxBulkPointsPerRun)
	}
	if (bq.StartStep == nil) != (bq.EndStep == nil) {
		return weir.Errorf(weir.ErrInvalidParameterValue,
			"If either start step or end step are specified, both must be specified.")
	}
	if bq.StartStep != nil && *bq.StartStep > *bq.EndStep {
		return weir.Errorf(weir.ErrInvalidParameterValue,
			"end_step must be greater than start_step. Found start_step=%d and end_step=%d.", *bq.StartStep, *bq.EndStep)
	}
	return nil
}
