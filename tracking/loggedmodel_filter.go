package tracking

// loggedModelDialect is search_logged_models: model attributes, and the
// metrics, params and tags of the model. Unlike the other dialects, entity
// prefixes are only the plural forms, as in MLflow.
var loggedModelDialect = &dialect{
	name: "logged models",
	prefixes: map[string]Entity{
		"attributes": EntityAttribute,
		"metrics":    EntityMetric,
		"params":     EntityParam,
		"tags":       EntityTag,
	},
	attrs: map[string]*attrSpec{
		"name":                   {canonical: "name", ops: stringListOps},
		"model_id":               {canonical: "model_id", ops: stringListOps},
		"model_type":             {canonical: "model_type", ops: stringListOps},
		"status":                 {canonical: "status", ops: stringListOps},
		"source_run_id":          {canonical: "source_run_id", ops: stringListOps},
		"creation_timestamp":     {canonical: "creation_timestamp", numeric: true, integer: true, ops: numericOps},
		"creation_time":          {canonical: "creation_timestamp", numeric: true, integer: true, ops: numericOps},
		"last_updated_timestamp": {canonical: "last_updated_timestamp", numeric: true, integer: true, ops: numericOps},
		"last_updated_time":      {canonical: "last_updated_timestamp", numeric: true, integer: true, ops: numericOps},
	},
	orderAttrs: canon("name", "name", "model_id", "model_id", "model_type", "model_type", "status", "status",
		"source_run_id", "source_run_id", "creation_timestamp", "creation_timestamp", "creation_time", "creation_timestamp",
		"last_updated_timestamp", "last_updated_timestamp", "last_updated_time", "last_updated_timestamp"),
	ops: map[Entity]opSet{
		EntityMetric: numericOps,
		EntityParam:  stringListOps,
		EntityTag:    stringListOps,
	},
	orderEntities: map[Entity]bool{EntityMetric: true},
}

// ParseLoggedModelFilter parses a search_logged_models filter such as
// "metrics.auc > 0.8 AND params.max_depth = '5' AND status = 'LOGGED_MODEL_READY'".
// Attributes are name, model_id, model_type, status, source_run_id and the
// numeric creation_timestamp (alias creation_time) and
// last_updated_timestamp (alias last_updated_time); metrics take numeric
// comparators, params and tags = != LIKE ILIKE IN NOT IN.
func ParseLoggedModelFilter(filter string) ([]Comparison, error) {
	return loggedModelDialect.parseFilter(filter)
}

// ParseLoggedModelOrderField resolves the field_name of a logged-model
// order_by entry: an attribute (aliases resolved) or metrics.<key>.
func ParseLoggedModelOrderField(field string) (OrderKey, error) {
	return loggedModelDialect.orderKey(field)
}
