package sqlstore

import (
	"context"
	"database/sql"

	weir "github.com/weir-ml/weir"
	"github.com/weir-ml/weir/tracing"
	"github.com/weir-ml/weir/tracking"
)

var _ tracing.MetricsService = (*TraceService)(nil)

// QueryTraceMetrics aggregates the experiments' traces, spans or
// assessments (those of traces matching the filters, in the time range) by
// the request's dimensions, as MLflow's UI charts ask for them.
func (s *TraceService) QueryTraceMetrics(ctx context.Context, req tracing.MetricsRequest) (points []tracing.DataPoint, err error) {
	defer weir.Wrap(&err, "QueryTraceMetrics(%s %s)", req.View, req.Metric)
	if err := req.Check(); err != nil {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "%s", err.Error())
	}
	if len(req.ExperimentIDs) == 0 {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "Missing value for required parameter 'experiment_ids'.")
	}
	var q query
	ids, err := experimentKeys(req.ExperimentIDs)
	if err != nil {
		return nil, err
	}
	switch req.View {
	case tracing.ViewTraces:
		q.add(`SELECT t.name, t.status, '', t.timestamp_ms, t.execution_time_ms FROM traces t`)
	case tracing.ViewSpans:
		q.add(`SELECT s.name, s.type, s.status, s.start_time_ns, s.end_time_ns FROM trace_spans s JOIN traces t ON t.trace_id = s.trace_id`)
	default:
		q.add(`SELECT a.content, '', '', a.create_time_ms, 0 FROM trace_assessments a JOIN traces t ON t.trace_id = a.trace_id`)
	}
	q.add(` WHERE t.experiment_id IN (`+placeholders(len(ids))+`)`, ids...)
	for _, f := range req.Filters {
		cs, err := tracking.ParseTraceFilter(f)
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			q.add(" AND ")
			if err := traceFilter(&q, s.db.dialect, c); err != nil {
				return nil, err
			}
		}
	}
	if req.IntervalSeconds > 0 || req.StartMs > 0 {
		q.add(` AND t.timestamp_ms >= ?`, req.StartMs)
	}
	if req.IntervalSeconds > 0 || req.EndMs > 0 {
		q.add(` AND t.timestamp_ms < ?`, req.EndMs)
	}
	var rows []tracing.MetricRow
	err = s.db.readTx(ctx, func(tx *txn) error {
		return tx.each(ctx, q.sql.String(), q.args, func(r *sql.Rows) error {
			var a, b, c string
			var t, v int64
			if err := r.Scan(&a, &b, &c, &t, &v); err != nil {
				return err
			}
			row, ok := metricRow(req.View, a, b, c, t, v)
			if ok && hasDims(row, req.Dimensions) {
				rows = append(rows, row)
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return tracing.Aggregate(req, rows), nil
}

// metricRow turns a query row of a view into what Aggregate groups.
func metricRow(view, a, b, c string, t, v int64) (tracing.MetricRow, bool) {
	switch view {
	case tracing.ViewTraces:
		return tracing.MetricRow{Dims: map[string]string{tracing.DimTraceName: a, tracing.DimTraceStatus: b},
			Time: t, Value: float64(v)}, true
	case tracing.ViewSpans:
		return tracing.MetricRow{Dims: map[string]string{tracing.DimSpanName: a, tracing.DimSpanType: b, tracing.DimSpanStatus: c},
			Time: t / 1e6, Value: float64(v-t) / 1e6}, true
	}
	as, err := decodeAssessment(a)
	if err != nil {
		return tracing.MetricRow{}, false
	}
	return tracing.MetricRow{Dims: map[string]string{tracing.DimAssessmentName: as.Name}, Time: t}, true
}

// hasDims reports whether a row has a value for every dimension: MLflow
// leaves out the rows that have none.
func hasDims(r tracing.MetricRow, dims []string) bool {
	for _, d := range dims {
		if r.Dims[d] == "" {
			return false
		}
	}
	return true
}
