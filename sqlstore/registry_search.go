package sqlstore

import (
	"context"
	"database/sql"
	"strconv"
	"strings"

	weir "github.com/weir-ml/weir"
	"github.com/weir-ml/weir/registry"
	"github.com/weir-ml/weir/tracking"
)

// registryLimit applies a search's default to 0 and refuses values out of
// range.
func registryLimit(n, def, max int) (int, error) {
	switch {
	case n == 0:
		return def, nil
	case n < 0:
		return 0, weir.Errorf(weir.ErrInvalidParameterValue,
			"Invalid value for max_results. It must be a positive integer, but got %d", n)
	case n > max:
		return 0, weir.Errorf(weir.ErrInvalidParameterValue,
			"Invalid value for request parameter max_results. It must be at most %d, but got value %d", max, n)
	}
	return n, nil
}

// splitPromptFilter returns the filters without clauses on the prompt tag,
// and whether the filter asks for prompts (is_prompt = 'true' or != 'false').
// Models that are not prompts have no such tag, so a clause such as
// is_prompt != 'true' could never match them; instead, unless prompts are
// asked for, prompts are left out and the prompt clauses dropped, as MLflow
// does.
func splitPromptFilter(filters []tracking.Comparison) ([]tracking.Comparison, bool) {
	for _, c := range filters {
		if c.Entity != tracking.EntityTag || c.Key != promptTag || c.Value.Kind != tracking.StringValue {
			continue
		}
		v := strings.ToLower(c.Value.Str)
		if c.Op == "=" && v == "true" || c.Op == "!=" && v == "false" {
			return filters, true
		}
	}
	rest := make([]tracking.Comparison, 0, len(filters))
	for _, c := range filters {
		if c.Entity != tracking.EntityTag || c.Key != promptTag {
			rest = append(rest, c)
		}
	}
	return rest, false
}

// orderTerms turns order keys into ORDER BY terms through cols, refusing
// unknown and repeated keys.
func orderTerms(keys []tracking.OrderKey, orderBy []string, cols map[string]string) ([]string, map[string]bool, error) {
	seen := map[string]bool{}
	var terms []string
	for _, k := range keys {
		col, ok := cols[k.Key]
		if k.Entity != tracking.EntityAttribute || !ok {
			return nil, nil, weir.Errorf(weir.ErrInvalidParameterValue, "Invalid order by key '%s' specified.", k.Key)
		}
		if seen[col] {
			return nil, nil, weir.Errorf(weir.ErrInvalidParameterValue, "`order_by` contains duplicate fields: ['%s']",
				strings.Join(orderBy, "', '"))
		}
		seen[col] = true
		if k.Desc {
			col += " DESC"
		}
		terms = append(terms, col)
	}
	return terms, seen, nil
}

// registeredModelColumns maps registered model attributes to columns of m.
var registeredModelColumns = map[string]string{
	"name": "m.name", "creation_timestamp": "m.creation_time", "last_updated_timestamp": "m.last_updated_time",
}

// SearchRegisteredModels returns a page of the models that match the filter,
// by default by name. Prompts are left out unless the filter asks for them.
func (s *RegistryService) SearchRegisteredModels(ctx context.Context, rs registry.Search) (ms []*registry.RegisteredModel, next string, err error) {
	defer weir.Wrap(&err, "SearchRegisteredModels(%q)", rs.Filter)
	limit, err := registryLimit(rs.MaxResults, defaultModelResults, maxModelResults)
	if err != nil {
		return nil, "", err
	}
	filters, err := tracking.ParseRegisteredModelFilter(rs.Filter)
	if err != nil {
		return nil, "", err
	}
	keys, err := tracking.ParseRegisteredModelOrderBy(rs.OrderBy)
	if err != nil {
		return nil, "", err
	}
	terms, seen, err := orderTerms(keys, rs.OrderBy, registeredModelColumns)
	if err != nil {
		return nil, "", err
	}
	if !seen["m.name"] {
		terms = append(terms, "m.name")
	}
	offset, err := tracking.DecodePageToken(rs.PageToken)
	if err != nil {
		return nil, "", err
	}
	filters, prompts := splitPromptFilter(filters)
	d := s.db.dialect
	var q query
	q.add(`SELECT m.name FROM registered_models m WHERE 1 = 1`)
	if !prompts {
		q.add(` AND m.name NOT IN (SELECT p.name FROM registered_model_tags p WHERE p.key = ? AND p.value = 'true')`, promptTag)
	}
	for _, c := range filters {
		q.add(" AND ")
		switch c.Entity {
		case tracking.EntityAttribute:
			err = compare(&q, d, "m.name", c)
		case tracking.EntityTag:
			q.add(`EXISTS (SELECT 1 FROM registered_model_tags t WHERE t.name = m.name AND t.key = ? AND `, c.Key)
			err = compare(&q, d, "t.value", c)
			q.add(")")
		default:
			err = weir.Errorf(weir.ErrInvalidParameterValue, "Invalid token type: %s", c.Entity)
		}
		if err != nil {
			return nil, "", err
		}
	}
	q.add(` ORDER BY `+strings.Join(terms, ", ")+` LIMIT ? OFFSET ?`, limit+1, offset)
	err = s.db.readTx(ctx, func(tx *txn) error {
		var names []string
		err := tx.each(ctx, q.sql.String(), q.args, func(rows *sql.Rows) error {
			var name string
			err := rows.Scan(&name)
			names = append(names, name)
			return err
		})
		if err != nil {
			return err
		}
		if len(names) > limit {
			names = names[:limit]
			next = tracking.EncodePageToken(offset + limit)
		}
		ms, err = loadModels(ctx, tx, names)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	return ms, next, nil
}

// modelVersionColumns maps model version attributes to columns of v.
var modelVersionColumns = map[string]string{
	"name": "v.name", "run_id": "v.run_id", "source_path": "v.source", "version_number": "v.version",
	"creation_timestamp": "v.creation_time", "last_updated_timestamp": "v.last_updated_time",
}

// SearchModelVersions returns a page of the versions that match the filter,
// by default most recently updated first, then by name and version DESC.
// Prompt versions are left out unless the filter asks for them.
func (s *RegistryService) SearchModelVersions(ctx context.Context, vs registry.Search) (mvs []*registry.ModelVersion, next string, err error) {
	defer weir.Wrap(&err, "SearchModelVersions(%q)", vs.Filter)
	limit, err := registryLimit(vs.MaxResults, defaultVersionResults, maxVersionResults)
	if err != nil {
		return nil, "", err
	}
	filters, err := tracking.ParseModelVersionFilter(vs.Filter)
	if err != nil {
		return nil, "", err
	}
	keys, err := tracking.ParseModelVersionOrderBy(vs.OrderBy)
	if err != nil {
		return nil, "", err
	}
	terms, seen, err := orderTerms(keys, vs.OrderBy, modelVersionColumns)
	if err != nil {
		return nil, "", err
	}
	if len(keys) == 0 {
		terms, seen["v.last_updated_time"] = append(terms, "v.last_updated_time DESC"), true
	}
	if !seen["v.name"] {
		terms = append(terms, "v.name")
	}
	if !seen["v.version"] {
		terms = append(terms, "v.version DESC")
	}
	offset, err := tracking.DecodePageToken(vs.PageToken)
	if err != nil {
		return nil, "", err
	}
	filters, prompts := splitPromptFilter(filters)
	var q query
	q.add(`WHERE 1 = 1`)
	if !prompts {
		// A model is a prompt when any of its versions is tagged one.
		q.add(` AND v.name NOT IN (SELECT p.name FROM model_version_tags p WHERE p.key = ? AND p.value = 'true')`, promptTag)
	}
	for _, c := range filters {
		q.add(" AND ")
		if err := versionFilter(&q, s.db.dialect, c); err != nil {
			return nil, "", err
		}
	}
	q.add(` ORDER BY `+strings.Join(terms, ", ")+` LIMIT ? OFFSET ?`, limit+1, offset)
	err = s.db.readTx(ctx, func(tx *txn) error {
		mvs, err = queryVersions(ctx, tx, q.sql.String(), q.args...)
		if err != nil {
			return err
		}
		if len(mvs) > limit {
			mvs = mvs[:limit]
			next = tracking.EncodePageToken(offset + limit)
		}
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	if mvs == nil {
		mvs = []*registry.ModelVersion{}
	}
	return mvs, next, nil
}

// versionFilter adds one filter clause on model_versions v to q.
func versionFilter(q *query, d dialect, c tracking.Comparison) error {
	switch c.Entity {
	case tracking.EntityAttribute:
		col, ok := modelVersionColumns[c.Key]
		if !ok {
			return weir.Errorf(weir.ErrInvalidParameterValue, "Invalid attribute name: %s", c.Key)
		}
		if c.Key == "version_number" {
			return versionNumberFilter(q, d, c)
		}
		return compare(q, d, col, c)
	case tracking.EntityTag:
		q.add(`EXISTS (SELECT 1 FROM model_version_tags t WHERE t.name = v.name AND t.version = v.version AND t.key = ? AND `, c.Key)
		if err := compare(q, d, "t.value", c); err != nil {
			return err
		}
		q.add(")")
		return nil
	}
	return weir.Errorf(weir.ErrInvalidParameterValue, "Invalid token type: %s", c.Entity)
}

// versionNumberFilter compares the integer version with a number or a list
// of whole numbers.
func versionNumberFilter(q *query, d dialect, c tracking.Comparison) error {
	if c.Value.Kind != tracking.ListValue {
		return compare(q, d, "v.version", c)
	}
	nums := make([]any, len(c.Value.List))
	for i, s := range c.Value.List {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return weir.Errorf(weir.ErrInvalidParameterValue, "Invalid value for numeric attribute 'version_number': '%s'", s)
		}
		nums[i] = n
	}
	q.add("v.version "+c.Op+" ("+placeholders(len(nums))+")", nums...)
	return nil
}
