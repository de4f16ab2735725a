package sqlstore

import (
	"context"

	weir "github.com/weir-ml/weir"
	"github.com/weir-ml/weir/tracing"
	"github.com/weir-ml/weir/tracking"
)

var _ tracing.CorrelationService = (*TraceService)(nil)

// CorrelateTraceFilters counts the experiments' traces matching base (all
// of them when empty), filter1, filter2 and both, and their NPMI.
func (s *TraceService) CorrelateTraceFilters(ctx context.Context, experimentIDs []string, filter1, filter2, base string) (c *tracing.Correlation, err error) {
	defer weir.Wrap(&err, "CorrelateTraceFilters(%q, %q)", filter1, filter2)
	if len(experimentIDs) == 0 {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "Missing value for required parameter 'experiment_ids'.")
	}
	if filter1 == "" || filter2 == "" {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "Both 'filter_string1' and 'filter_string2' are required.")
	}
	ids, err := experimentKeys(experimentIDs)
	if err != nil {
		return nil, err
	}
	parsed := map[string][]tracking.Comparison{}
	for _, f := range []string{base, filter1, filter2} {
		cs, err := tracking.ParseTraceFilter(f)
		if err != nil {
			return nil, err
		}
		parsed[f] = cs
	}
	count := func(tx *txn, filters ...string) (int, error) {
		var q query
		q.add(`SELECT COUNT(*) FROM traces t WHERE t.experiment_id IN (`+placeholders(len(ids))+`)`, ids...)
		for _, f := range append([]string{base}, filters...) {
			for _, cmp := range parsed[f] {
				q.add(" AND ")
				if err := traceFilter(&q, s.db.dialect, cmp); err != nil {
					return 0, err
				}
			}
		}
		var n int
		return n, tx.scanOne(ctx, q.sql.String(), q.args, &n)
	}
	var total, n1, n2, joint int
	err = s.db.readTx(ctx, func(tx *txn) error {
		var err error
		if total, err = count(tx); err != nil {
			return err
		}
		if n1, err = count(tx, filter1); err != nil {
			return err
		}
		if n2, err = count(tx, filter2); err != nil {
			return err
		}
		joint, err = count(tx, filter1, filter2)
		return err
	})
	if err != nil {
		return nil, err
	}
	r := tracing.NewCorrelation(joint, n1, n2, total)
	return &r, nil
}
