package sqlstore

import (
	"context"
	"database/sql"
	"strings"

	weir "github.com/weir-ml/weir"
	"github.com/weir-ml/weir/tracking"
)

// defaultLoggedModelResults is the page size when MaxResults is 0.
const defaultLoggedModelResults = 50

// loggedModelAttrColumns maps logged-model attributes to columns of m.
var loggedModelAttrColumns = map[string]string{
	"name": "m.name", "model_id": "m.model_id", "model_type": "m.model_type", "status": "m.status",
	"source_run_id": "m.source_run_id", "creation_timestamp": "m.creation_timestamp_ms",
	"last_updated_timestamp": "m.last_updated_timestamp_ms",
}

// SearchLoggedModels returns a page of the active logged models of the given
// experiments that match the filter and have metrics on the given datasets,
// in the requested order, then newest first, then by model_id.
func (s *LoggedModelService) SearchLoggedModels(ctx context.Context, ls tracking.LoggedModelSearch) (ms []*tracking.LoggedModel, next string, err error) {
	defer weir.Wrap(&err, "SearchLoggedModels(%q)", ls.Filter)
	if len(ls.ExperimentIDs) == 0 {
		return nil, "", weir.Errorf(weir.ErrInvalidParameterValue, "Missing value for required parameter 'experiment_ids'.")
	}
	expIDs, err := experimentKeys(ls.ExperimentIDs)
	if err != nil {
		return nil, "", err
	}
	for _, ds := range ls.Datasets {
		if ds.Name == "" {
			return nil, "", weir.Errorf(weir.ErrInvalidParameterValue, "`dataset_name` in the `datasets` clause must be specified.")
		}
	}
	limit := ls.MaxResults
	switch {
	case limit == 0:
		limit = defaultLoggedModelResults
	case limit < 0 || limit > maxSearchResults:
		return nil, "", weir.Errorf(weir.ErrInvalidParameterValue,
			"Invalid value %d for parameter 'max_results' supplied. It must be between 1 and %d", limit, maxSearchResults)
	}
	filters, err := tracking.ParseLoggedModelFilter(ls.Filter)
	if err != nil {
		return nil, "", err
	}
	offset, err := decodeLoggedModelToken(ls)
	if err != nil {
		return nil, "", err
	}
	var q query
	orderSQL, orderArgs, err := loggedModelOrder(ls.OrderBy)
	if err != nil {
		return nil, "", err
	}
	q.add(`SELECT ` + loggedModelColumns + ` FROM logged_models m`)
	q.add(` WHERE m.lifecycle_stage = 'active' AND m.experiment_id IN (`+placeholders(len(expIDs))+`)`, expIDs...)
	hasMetric := false
	for _, c := range filters {
		q.add(" AND ")
		hasMetric = hasMetric || c.Entity == tracking.EntityMetric
		if err := loggedModelFilter(&q, s.db.dialect, c, ls.Datasets); err != nil {
			return nil, "", err
		}
	}
	if len(ls.Datasets) > 0 && !hasMetric {
		q.add(` AND m.model_id IN (SELECT x.model_id FROM metrics x WHERE x.model_id <> '' AND `)
		datasetClause(&q, "x", ls.Datasets)
		q.add(`)`)
	}
	q.add(` ORDER BY `+orderSQL, orderArgs...)
	q.add(` LIMIT ? OFFSET ?`, limit+1, offset)
	err = s.db.readTx(ctx, func(tx *txn) error {
		err := tx.each(ctx, q.sql.String(), q.args, func(rows *sql.Rows) error {
			m, err := scanLoggedModel(rows)
			ms = append(ms, m)
			return err
		})
		if err != nil {
			return err
		}
		if len(ms) > limit {
			ms = ms[:limit]
			if next, err = encodeLoggedModelToken(offset+limit, ls); err != nil {
				return err
			}
		}
		return loadLoggedModelData(ctx, tx, ms)
	})
	if err != nil {
		return nil, "", err
	}
	if ms == nil {
		ms = []*tracking.LoggedModel{}
	}
	return ms, next, nil
}

// datasetClause adds "(dataset 1 OR dataset 2 ...)" on the metrics alias x:
// a name, and the digest when given.
func datasetClause(q *query, x string, datasets []tracking.Dataset) {
	q.add("(")
	for i, ds := range datasets {
		if i > 0 {
			q.add(" OR ")
		}
		q.add("("+x+".dataset_name = ?", ds.Name)
		if ds.Digest != "" {
			q.add(" AND "+x+".dataset_digest = ?", ds.Digest)
		}
		q.add(")")
	}
	q.add(")")
}

// loggedModelFilter adds one filter clause on logged_models m to q. A metric
// clause matches a model with any logged value that satisfies it, on one of
// the datasets when datasets are given, as in MLflow.
func loggedModelFilter(q *query, d dialect, c tracking.Comparison, datasets []tracking.Dataset) error {
	switch c.Entity {
	case tracking.EntityAttribute:
		col, ok := loggedModelAttrColumns[c.Key]
		if !ok {
			return weir.Errorf(weir.ErrInvalidParameterValue, "Invalid attribute key '%s' specified.", c.Key)
		}
		return compare(q, d, col, c)
	case tracking.EntityMetric:
		q.add(`m.model_id IN (SELECT x.model_id FROM metrics x WHERE x.model_id <> '' AND x.key = ? AND `, c.Key)
		if c.Op == "!=" {
			q.add(`(x.value <> ? OR x.is_nan = 1)`, c.Value.Num)
		} else {
			op, ok := numericOps[c.Op]
			if !ok {
				return badComparator(c)
			}
			q.add(`x.value `+op+` ? AND x.is_nan = 0`, c.Value.Num)
		}
		if len(datasets) > 0 {
			q.add(" AND ")
			datasetClause(q, "x", datasets)
		}
		q.add(")")
		return nil
	case tracking.EntityParam, tracking.EntityTag:
		table := "logged_model_params"
		if c.Entity == tracking.EntityTag {
			table = "logged_model_tags"
		}
		q.add(`m.model_id IN (SELECT p.model_id FROM `+table+` p WHERE p.key = ? AND `, c.Key)
		if err := compare(q, d, "p.value", c); err != nil {
			return err
		}
		q.add(")")
		return nil
	}
	return weir.Errorf(weir.ErrInvalidParameterValue, "Invalid entity type '%s'", c.Entity)
}

// loggedModelOrder returns the ORDER BY list and its arguments. A metric
// orders by each model's latest value of it (latest timestamp, then step),
// on the key's dataset when one is named; models without it, or whose latest
// value is NaN, sort last. The latest value is a correlated subquery: one
// seek in metrics_model per model, however many metrics the experiment has.
// Ties are broken by creation time DESC, then model_id.
func loggedModelOrder(keys []tracking.LoggedModelOrder) (string, []any, error) {
	var terms []string
	var args []any
	hasCreation, hasID := false, false
	for _, k := range keys {
		ok, err := tracking.ParseLoggedModelOrderField(k.FieldName)
		if err == nil && ok.Desc {
			err = weir.Errorf(weir.ErrInvalidParameterValue, "Invalid order by field name: %s", k.FieldName)
		}
		if err != nil {
			return "", nil, err
		}
		dir := " DESC"
		if k.Ascending {
			dir = ""
		}
		if ok.Entity == tracking.EntityAttribute {
			hasCreation = hasCreation || ok.Key == "creation_timestamp"
			hasID = hasID || ok.Key == "model_id"
			terms = append(terms, loggedModelAttrColumns[ok.Key]+dir)
			continue
		}
		sub := `(SELECT CASE WHEN x.is_nan = 1 THEN NULL ELSE x.value END FROM metrics x
			WHERE x.model_id = m.model_id AND x.model_id <> '' AND x.key = ?`
		subArgs := []any{ok.Key}
		if k.DatasetName != "" {
			sub += ` AND x.dataset_name = ?`
			subArgs = append(subArgs, k.DatasetName)
		}
		if k.DatasetDigest != "" {
			sub += ` AND x.dataset_digest = ?`
			subArgs = append(subArgs, k.DatasetDigest)
		}
		sub += ` ORDER BY x.timestamp DESC, x.step DESC, x.run_uuid LIMIT 1)`
		terms = append(terms, "CASE WHEN "+sub+" IS NULL THEN 1 ELSE 0 END", sub+dir)
		args = append(append(args, subArgs...), subArgs...)
	}
	if !hasCreation {
		terms = append(terms, "m.creation_timestamp_ms DESC")
	}
	if !hasID {
		terms = append(terms, "m.model_id")
	}
	return strings.Join(terms, ", "), args, nil
}
