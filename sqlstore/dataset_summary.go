package sqlstore

import (
	"context"
	"database/sql"
	"strconv"

	weir "github.com/weir-ml/weir"
	"github.com/weir-ml/weir/tracking"
)

var _ tracking.DatasetSummaryService = (*TrackingService)(nil)

// SearchDatasetSummaries lists the distinct (experiment, name, digest,
// context) of the datasets the experiments' runs used, at most
// tracking.MaxDatasetSummaries of them. Experiment ids that are not numbers
// match nothing, as in MLflow.
func (s *TrackingService) SearchDatasetSummaries(ctx context.Context, experimentIDs []string) (out []tracking.DatasetSummary, err error) {
	defer weir.Wrap(&err, "SearchDatasetSummaries")
	var ids []any
	for _, id := range experimentIDs {
		if n, err := strconv.ParseInt(id, 10, 64); err == nil {
			ids = append(ids, n)
		}
	}
	out = []tracking.DatasetSummary{}
	if len(ids) == 0 {
		return out, nil
	}
	err = s.db.readTx(ctx, func(tx *txn) error {
		return tx.each(ctx, `SELECT DISTINCT d.experiment_id, d.name, d.digest, COALESCE(t.value, '')
			FROM datasets d JOIN inputs i ON i.dataset_uuid = d.dataset_uuid
			LEFT JOIN input_tags t ON t.input_uuid = i.input_uuid AND t.name = 'mlflow.data.context'
			WHERE d.experiment_id IN (`+placeholders(len(ids))+`)
			ORDER BY d.experiment_id, d.name, d.digest, 4 LIMIT `+strconv.Itoa(tracking.MaxDatasetSummaries), ids,
			func(rows *sql.Rows) error {
				var d tracking.DatasetSummary
				var eid int64
				if err := rows.Scan(&eid, &d.Name, &d.Digest, &d.Context); err != nil {
					return err
				}
				d.ExperimentID = strconv.FormatInt(eid, 10)
				out = append(out, d)
				return nil
			})
	})
	return out, err
}
