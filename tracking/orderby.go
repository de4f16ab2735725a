package tracking

import "strings"

// ParseRunOrderBy parses search_runs order_by entries, each
// "<identifier> [ASC|DESC]" such as "metrics.`val loss` DESC". Attribute
// aliases resolve to canonical names ("created" is start_time). Datasets
// cannot be ordered by.
func ParseRunOrderBy(orderBy []string) ([]OrderKey, error) {
	return runDialect.parseOrderBy(orderBy)
}

// ParseExperimentOrderBy parses search_experiments order_by entries: name,
// experiment_id, creation_time and last_update_time.
func ParseExperimentOrderBy(orderBy []string) ([]OrderKey, error) {
	return experimentDialect.parseOrderBy(orderBy)
}

// ParseRegisteredModelOrderBy parses search_registered_models order_by
// entries: name, creation_timestamp (alias timestamp) and
// last_updated_timestamp.
func ParseRegisteredModelOrderBy(orderBy []string) ([]OrderKey, error) {
	return registeredModelDialect.parseOrderBy(orderBy)
}

// ParseModelVersionOrderBy parses search_model_versions order_by entries:
// name, version_number, creation_timestamp and last_updated_timestamp.
func ParseModelVersionOrderBy(orderBy []string) ([]OrderKey, error) {
	return modelVersionDialect.parseOrderBy(orderBy)
}

// ParseTraceOrderBy parses search_traces order_by entries: experiment_id,
// timestamp_ms, execution_time_ms, end_time_ms, status, request_id, name and
// run_id.
func ParseTraceOrderBy(orderBy []string) ([]OrderKey, error) {
	return traceDialect.parseOrderBy(orderBy)
}

func (d *dialect) parseOrderBy(orderBy []string) ([]OrderKey, error) {
	if len(orderBy) == 0 {
		return nil, nil
	}
	keys := make([]OrderKey, 0, len(orderBy))
	for _, entry := range orderBy {
		k, err := d.orderKey(entry)
		if err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// orderKey parses one entry: an identifier, then an optional direction.
func (d *dialect) orderKey(entry string) (OrderKey, error) {
	s := &scanner{src: entry}
	if err := s.checkText(); err != nil {
		return OrderKey{}, err
	}
	s.skipSpace()
	if s.eof() {
		return OrderKey{}, s.errorf(0, "Invalid order_by clause '%s'. Could not be parsed.", entry)
	}
	id, err := scanIdent(s)
	if err != nil {
		return OrderKey{}, s.errorf(s.pos, "Invalid order_by clause '%s'. Could not be parsed.", entry)
	}
	entity, _, key, err := d.resolve(s, id, d.orderAttrs)
	if err != nil {
		return OrderKey{}, err
	}
	if entity != EntityAttribute && !d.orderEntities[entity] {
		return OrderKey{}, s.errorf(id.pos, "Invalid order_by entity type '%s': %s can only be ordered by %s", entity, d.name, d.orderables())
	}
	k := OrderKey{Entity: entity, Key: key}
	s.skipSpace()
	if s.eof() {
		return k, nil
	}
	dirPos := s.pos
	switch dir := s.word(); {
	case strings.EqualFold(dir, "ASC"):
	case strings.EqualFold(dir, "DESC"):
		k.Desc = true
	default:
		return OrderKey{}, s.errorf(dirPos, "Invalid ordering key in order_by clause '%s'. Expected ASC or DESC", entry)
	}
	s.skipSpace()
	if !s.eof() {
		return OrderKey{}, s.errorf(s.pos, "Invalid order_by clause '%s'. Could not be parsed.", entry)
	}
	return k, nil
}

// orderables describes what a dialect orders by, for messages.
func (d *dialect) orderables() string {
	parts := []string{"attributes " + pyList(d.orderAttrs)}
	for _, e := range []Entity{EntityMetric, EntityParam, EntityTag} {
		if d.orderEntities[e] {
			parts = append(parts, string(e)+"s")
		}
	}
	return strings.Join(parts, ", ")
}
