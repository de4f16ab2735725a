package sqlstore

import (
	"context"
	"database/sql"
	"strconv"
	"strings"

	weir "github.com/weir-ml/weir"
	"github.com/weir-ml/weir/tracking"
)

// experimentAttrColumns maps experiment attributes of the search language to
// columns of experiments e.
var experimentAttrColumns = map[string]string{
	"name": "e.name", "experiment_id": "e.experiment_id",
	"creation_time": "e.creation_time", "last_update_time": "e.last_update_time",
}

// SearchExperiments returns a page of the experiments that match the filter,
// by default newest first, ties broken by experiment_id DESC.
func (s *TrackingService) SearchExperiments(ctx context.Context, es tracking.ExperimentSearch) (exps []*tracking.Experiment, next string, err error) {
	defer weir.Wrap(&err, "SearchExperiments(%q)", es.Filter)
	limit, err := maxResults(es.MaxResults)
	if err != nil {
		return nil, "", err
	}
	stageArgs, err := stages(es.ViewType)
	if err != nil {
		return nil, "", err
	}
	filters, err := tracking.ParseExperimentFilter(es.Filter)
	if err != nil {
		return nil, "", err
	}
	order, err := tracking.ParseExperimentOrderBy(es.OrderBy)
	if err != nil {
		return nil, "", err
	}
	offset, err := tracking.DecodePageToken(es.PageToken)
	if err != nil {
		return nil, "", err
	}
	d := s.db.dialect
	var q query
	q.add(`SELECT e.experiment_id FROM experiments e WHERE e.lifecycle_stage IN (`+placeholders(len(stageArgs))+`)`, stageArgs...)
	for _, c := range filters {
		q.add(" AND ")
		if err := experimentFilter(&q, d, c); err != nil {
			return nil, "", err
		}
	}
	orderSQL, err := experimentOrder(order)
	if err != nil {
		return nil, "", err
	}
	q.add(` ORDER BY `+orderSQL+` LIMIT ? OFFSET ?`, limit+1, offset)

	err = s.db.readTx(ctx, func(tx *txn) error {
		var ids []int64
		err := tx.each(ctx, q.sql.String(), q.args, func(rows *sql.Rows) error {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return err
			}
			ids = append(ids, id)
			return nil
		})
		if err != nil {
			return err
		}
		if len(ids) > limit {
			ids = ids[:limit]
			next = tracking.EncodePageToken(offset + limit)
		}
		exps, err = experimentsByID(ctx, tx, ids)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	return exps, next, nil
}

// experimentsByID loads experiments with their tags, in the order of ids.
func experimentsByID(ctx context.Context, tx *txn, ids []int64) ([]*tracking.Experiment, error) {
	byID := make(map[string]*tracking.Experiment, len(ids))
	err := forChunks(ids, func(chunk []any) error {
		exps, err := queryExperiments(ctx, tx, `WHERE experiment_id IN (`+placeholders(len(chunk))+`)`, chunk...)
		for _, e := range exps {
			byID[e.ID] = e
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	exps := make([]*tracking.Experiment, 0, len(ids))
	for _, id := range ids {
		if e := byID[strconv.FormatInt(id, 10)]; e != nil {
			exps = append(exps, e)
		}
	}
	return exps, nil
}

// experimentOrder returns the ORDER BY list for experiments: by default
// creation_time DESC, experiment_id ASC; experiment_id DESC breaks ties
// unless experiment_id is ordered on already.
func experimentOrder(keys []tracking.OrderKey) (string, error) {
	if len(keys) == 0 {
		keys = []tracking.OrderKey{
			{Entity: tracking.EntityAttribute, Key: "creation_time", Desc: true},
			{Entity: tracking.EntityAttribute, Key: "experiment_id"},
		}
	}
	var terms []string
	hasID := false
	for _, k := range keys {
		col, ok := experimentAttrColumns[k.Key]
		if k.Entity != tracking.EntityAttribute || !ok {
			return "", weir.Errorf(weir.ErrInvalidParameterValue, "Invalid order_by entity: %s.%s", k.Entity, k.Key)
		}
		hasID = hasID || k.Key == "experiment_id"
		if k.Desc {
			col += " DESC"
		}
		terms = append(terms, col)
	}
	if !hasID {
		terms = append(terms, "e.experiment_id DESC")
	}
	return strings.Join(terms, ", "), nil
}

// experimentFilter adds one filter clause on experiments e to q.
func experimentFilter(q *query, d dialect, c tracking.Comparison) error {
	switch c.Entity {
	case tracking.EntityAttribute:
		col, ok := experimentAttrColumns[c.Key]
		if !ok {
			return weir.Errorf(weir.ErrInvalidParameterValue, "Invalid attribute key '%s' specified.", c.Key)
		}
		if c.Key == "experiment_id" {
			return experimentIDFilter(q, c)
		}
		return compare(q, d, col, c)
	case tracking.EntityTag:
		switch c.Op {
		case "IS NULL":
			q.add(`NOT EXISTS (SELECT 1 FROM experiment_tags t WHERE t.experiment_id = e.experiment_id AND t.key = ?)`, c.Key)
			return nil
		case "IS NOT NULL":
			q.add(`EXISTS (SELECT 1 FROM experiment_tags t WHERE t.experiment_id = e.experiment_id AND t.key = ?)`, c.Key)
			return nil
		}
		q.add(`EXISTS (SELECT 1 FROM experiment_tags t WHERE t.experiment_id = e.experiment_id AND t.key = ? AND `, c.Key)
		if err := compare(q, d, "t.value", c); err != nil {
			return err
		}
		q.add(")")
		return nil
	}
	return weir.Errorf(weir.ErrInvalidParameterValue, "Invalid token type: %s", c.Entity)
}

// experimentIDFilter compares the integer experiment_id with string IDs.
func experimentIDFilter(q *query, c tracking.Comparison) error {
	list := c.Value.List
	if c.Value.Kind == tracking.StringValue {
		list = []string{c.Value.Str}
	}
	ids := make([]any, len(list))
	for i, v := range list {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return weir.Errorf(weir.ErrInvalidParameterValue, "Invalid experiment ID: '%s'", v)
		}
		ids[i] = n
	}
	var op string
	switch c.Op {
	case "=", "IN":
		op = "IN"
	case "!=", "NOT IN":
		op = "NOT IN"
	default:
		return weir.Errorf(weir.ErrInvalidParameterValue, "Invalid comparator for experiment_id: %s", c.Op)
	}
	if len(ids) == 0 {
		q.add(map[bool]string{true: "1 = 0", false: "1 = 1"}[op == "IN"])
		return nil
	}
	q.add("e.experiment_id "+op+" ("+placeholders(len(ids))+")", ids...)
	return nil
}
