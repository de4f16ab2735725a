package sqlstore

import (
	"context"

	weir "github.com/weir-ml/weir"
	"github.com/weir-ml/weir/evaldata"
	"github.com/weir-ml/weir/tracking"
)

// defaultDatasetResults is the page size of SearchDatasets when none is
// asked, as MLflow's store.
const defaultDatasetResults = 1000

var datasetAttrColumns = map[string]string{"name": "d.name", "created_time": "d.created_time",
	"last_update_time": "d.last_update_time", "created_by": "d.created_by", "last_updated_by": "d.last_updated_by"}

// SearchDatasets returns a page of the datasets that match, newest first
// unless ordered otherwise, ties broken by id (descending), as MLflow's.
func (s *DatasetService) SearchDatasets(ctx context.Context, req evaldata.SearchRequest) (ds []evaldata.Dataset, next string, err error) {
	defer weir.Wrap(&err, "SearchDatasets(%q)", req.Filter)
	limit := req.MaxResults
	switch {
	case limit == 0:
		limit = defaultDatasetResults
	case limit < 0 || limit > maxSearchResults:
		return nil, "", weir.Errorf(weir.ErrInvalidParameterValue,
			"Invalid value %d for parameter 'max_results' supplied. It must be between 1 and %d", limit, maxSearchResults)
	}
	clauses, err := evaldata.ParseFilter(req.Filter)
	if err != nil {
		return nil, "", err
	}
	keys, err := evaldata.ParseOrderBy(req.OrderBy)
	if err != nil {
		return nil, "", err
	}
	offset, err := tracking.DecodePageToken(req.PageToken)
	if err != nil {
		return nil, "", err
	}
	var q query
	q.add(`SELECT ` + datasetColumns + ` FROM eval_datasets d WHERE 1 = 1`)
	if len(req.ExperimentIDs) > 0 {
		ids := make([]any, len(req.ExperimentIDs))
		for i, e := range req.ExperimentIDs {
			if ids[i], err = parseExperimentID(e); err != nil {
				return nil, "", err
			}
		}
		q.add(` AND d.dataset_id IN (SELECT dataset_id FROM eval_dataset_experiments WHERE experiment_id IN (`+
			placeholders(len(ids))+`))`, ids...)
	}
	for _, c := range clauses {
		q.add(" AND ")
		s.datasetClause(&q, c)
	}
	q.add(` ORDER BY `)
	if len(keys) == 0 {
		keys = []evaldata.OrderKey{{Key: "created_time", Desc: true}}
	}
	for _, k := range keys {
		q.add(datasetAttrColumns[k.Key])
		if k.Desc {
			q.add(" DESC")
		}
		q.add(", ")
	}
	q.add(`d.dataset_id DESC LIMIT ? OFFSET ?`, limit+1, offset)
	err = s.db.readTx(ctx, func(tx *txn) error {
		ds, err = queryDatasets(ctx, tx, q.sql.String(), q.args...)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	if len(ds) > limit {
		ds = ds[:limit]
		next = tracking.EncodePageToken(offset + limit)
	}
	return ds, next, nil
}

// datasetClause writes one filter comparison; ParseFilter has checked the
// keys and comparators.
func (s *DatasetService) datasetClause(q *query, c evaldata.Clause) {
	col := datasetAttrColumns[c.Key]
	if c.Tag {
		q.add(`EXISTS (SELECT 1 FROM eval_dataset_tags t WHERE t.dataset_id = d.dataset_id AND t.key = ? AND `, c.Key)
		col = "t.value"
		defer q.add(")")
	}
	switch {
	case c.Op == "IN":
		q.add(col+` IN (`+placeholders(len(c.List))+`)`, anySlice(c.List)...)
	case c.Op == "LIKE":
		expr, arg := s.db.dialect.like(col, c.Str)
		q.add(expr, arg)
	case c.Op == "ILIKE":
		expr, arg := s.db.dialect.ilike(col, c.Str)
		q.add(expr, arg)
	case !c.Tag && (c.Key == "created_time" || c.Key == "last_update_time"):
		q.add(col+" "+c.Op+" ?", c.Int)
	default:
		q.add(col+" "+c.Op+" ?", c.Str)
	}
}
