package tracking

import (
	"sort"
	"strings"
)

// A dialect is one of MLflow's search languages: the same grammar with
// different entities, attributes and comparators for runs, experiments,
// registered models and model versions.
type dialect struct {
	name string // what is searched, for messages

	// prefixes maps every accepted entity prefix (after backticks are
	// trimmed) to its entity. A bare key is an attribute.
	prefixes map[string]Entity
	// attrs maps every accepted attribute key, aliases included, to its
	// spec for filters; orderAttrs does the same for order_by.
	attrs      map[string]*attrSpec
	orderAttrs map[string]*attrSpec
	// ops lists the comparators each non-attribute entity accepts.
	ops map[Entity]opSet
	// orderEntities are the entities order_by accepts besides attributes.
	orderEntities map[Entity]bool
}

// attrSpec says how one attribute is compared.
type attrSpec struct {
	canonical string
	numeric   bool  // compared with numbers
	integer   bool  // numeric and only whole numbers make sense (ids, ms)
	intString bool  // a quoted whole number is accepted too (version_number)
	expID     bool  // string values must be experiment ids (whole numbers)
	ops       opSet // comparators; IN and NOT IN only where lists make sense
}

// opSet is a set of upper-case comparators.
type opSet map[string]bool

func ops(list ...string) opSet {
	s := make(opSet, len(list))
	for _, o := range list {
		s[o] = true
	}
	return s
}

// comparatorOrder fixes the order in which sets are printed in messages.
var comparatorOrder = []string{"=", "!=", ">", ">=", "<", "<=", "LIKE", "ILIKE", "IN", "NOT IN", "IS NULL", "IS NOT NULL"}

func (s opSet) String() string {
	var b strings.Builder
	b.WriteByte('{')
	n := 0
	for _, o := range comparatorOrder {
		if s[o] {
			if n > 0 {
				b.WriteString(", ")
			}
			b.WriteString("'" + o + "'")
			n++
		}
	}
	b.WriteByte('}')
	return b.String()
}

var (
	numericOps    = ops("=", "!=", ">", ">=", "<", "<=")
	stringOps     = ops("=", "!=", "LIKE", "ILIKE")
	stringListOps = ops("=", "!=", "LIKE", "ILIKE", "IN", "NOT IN")
	nullableOps   = ops("=", "!=", "LIKE", "ILIKE", "IS NULL", "IS NOT NULL")
)

// runDialect is search_runs: metrics, params, tags, run attributes and
// dataset inputs.
var runDialect = &dialect{
	name: "runs",
	prefixes: map[string]Entity{
		"metric": EntityMetric, "metrics": EntityMetric,
		"param": EntityParam, "params": EntityParam, "parameter": EntityParam, "parameters": EntityParam,
		"tag": EntityTag, "tags": EntityTag,
		"attribute": EntityAttribute, "attributes": EntityAttribute, "attr": EntityAttribute, "run": EntityAttribute,
		"dataset": EntityDataset, "datasets": EntityDataset,
	},
	attrs: map[string]*attrSpec{
		"run_id":       {canonical: "run_id", ops: stringListOps},
		"run_name":     {canonical: "run_name", ops: stringOps},
		"run name":     {canonical: "run_name", ops: stringOps},
		"Run name":     {canonical: "run_name", ops: stringOps},
		"Run Name":     {canonical: "run_name", ops: stringOps},
		"user_id":      {canonical: "user_id", ops: stringOps},
		"status":       {canonical: "status", ops: stringOps},
		"artifact_uri": {canonical: "artifact_uri", ops: stringOps},
		"start_time":   {canonical: "start_time", numeric: true, ops: numericOps},
		"created":      {canonical: "start_time", numeric: true, ops: numericOps},
		"Created":      {canonical: "start_time", numeric: true, ops: numericOps},
		"end_time":     {canonical: "end_time", numeric: true, ops: numericOps},
	},
	orderAttrs: canon("run_id", "run_id", "run_name", "run_name", "user_id", "user_id", "status", "status", "artifact_uri", "artifact_uri", "start_time", "start_time", "end_time", "end_time", "created", "start_time", "Created", "start_time"),
	ops: map[Entity]opSet{
		EntityMetric:  numericOps,
		EntityParam:   nullableOps,
		EntityTag:     nullableOps,
		EntityDataset: stringListOps,
	},
	orderEntities: map[Entity]bool{EntityMetric: true, EntityParam: true, EntityTag: true},
}

// datasetKeys are the keys of datasets.<key> in run filters; context is the
// dataset input's mlflow.data.context tag.
var datasetKeys = map[string]bool{"name": true, "digest": true, "context": true}

// experimentDialect is search_experiments: name, id, times and tags.
var experimentDialect = &dialect{
	name: "experiments",
	prefixes: map[string]Entity{
		"attribute": EntityAttribute,
		"tag":       EntityTag, "tags": EntityTag,
	},
	attrs: map[string]*attrSpec{
		"name":             {canonical: "name", ops: stringOps},
		"experiment_id":    {canonical: "experiment_id", expID: true, ops: ops("=", "!=", "IN", "NOT IN")},
		"creation_time":    {canonical: "creation_time", numeric: true, integer: true, ops: numericOps},
		"last_update_time": {canonical: "last_update_time", numeric: true, integer: true, ops: numericOps},
	},
	orderAttrs: canon("name", "name", "experiment_id", "experiment_id", "creation_time", "creation_time", "last_update_time", "last_update_time"),
	ops:        map[Entity]opSet{EntityTag: nullableOps},
}

// registeredModelDialect is search_registered_models: the name and tags.
var registeredModelDialect = &dialect{
	name: "registered models",
	prefixes: map[string]Entity{
		"attribute": EntityAttribute,
		"tag":       EntityTag, "tags": EntityTag,
	},
	attrs: map[string]*attrSpec{
		"name": {canonical: "name", ops: stringListOps},
	},
	orderAttrs: canon("name", "name", "creation_timestamp", "creation_timestamp", "timestamp", "creation_timestamp", "last_updated_timestamp", "last_updated_timestamp"),
	ops:        map[Entity]opSet{EntityTag: stringOps},
}

// modelVersionDialect is search_model_versions.
var modelVersionDialect = &dialect{
	name: "model versions",
	prefixes: map[string]Entity{
		"attribute": EntityAttribute,
		"tag":       EntityTag, "tags": EntityTag,
	},
	attrs: map[string]*attrSpec{
		"name":        {canonical: "name", ops: stringListOps},
		"run_id":      {canonical: "run_id", ops: stringListOps},
		"source_path": {canonical: "source_path", ops: stringOps},
		"version_number": {canonical: "version_number", numeric: true, integer: true, intString: true,
			ops: ops("=", "!=", ">", ">=", "<", "<=", "IN", "NOT IN")},
	},
	orderAttrs: canon("name", "name", "version_number", "version_number", "creation_timestamp", "creation_timestamp", "last_updated_timestamp", "last_updated_timestamp"),
	ops:        map[Entity]opSet{EntityTag: stringOps},
}

// traceDialect is search_traces. Times are milliseconds; name is the
// trace's mlflow.traceName tag, run_id its mlflow.sourceRun metadata or a
// run it is linked to.
var traceDialect = &dialect{
	name: "traces",
	prefixes: map[string]Entity{
		"attribute": EntityAttribute, "attributes": EntityAttribute, "trace": EntityAttribute,
		"tag": EntityTag, "tags": EntityTag,
		"metadata": EntityMetadata, "request_metadata": EntityMetadata,
		"span": EntitySpan,
	},
	attrs: map[string]*attrSpec{
		"request_id":        {canonical: "request_id", ops: stringListOps},
		"timestamp":         {canonical: "timestamp_ms", numeric: true, integer: true, ops: numericOps},
		"timestamp_ms":      {canonical: "timestamp_ms", numeric: true, integer: true, ops: numericOps},
		"execution_time":    {canonical: "execution_time_ms", numeric: true, integer: true, ops: numericOps},
		"execution_time_ms": {canonical: "execution_time_ms", numeric: true, integer: true, ops: numericOps},
		"end_time":          {canonical: "end_time_ms", numeric: true, integer: true, ops: numericOps},
		"end_time_ms":       {canonical: "end_time_ms", numeric: true, integer: true, ops: numericOps},
		"status":            {canonical: "status", ops: stringListOps},
		"client_request_id": {canonical: "client_request_id", ops: stringListOps},
		"name":              {canonical: "name", ops: stringListOps},
		"run_id":            {canonical: "run_id", ops: stringListOps},
		// text is every span's content: full-text search with LIKE.
		"text": {canonical: "text", ops: ops("LIKE", "ILIKE")},
	},
	orderAttrs: canon("experiment_id", "experiment_id", "timestamp", "timestamp_ms", "timestamp_ms", "timestamp_ms",
		"execution_time", "execution_time_ms", "execution_time_ms", "execution_time_ms", "end_time", "end_time_ms",
		"end_time_ms", "end_time_ms", "status", "status", "request_id", "request_id", "name", "name", "run_id", "run_id"),
	ops: map[Entity]opSet{
		EntityTag:      nullableOps,
		EntityMetadata: nullableOps,
		EntitySpan:     stringListOps,
	},
	orderEntities: map[Entity]bool{},
}

// spanKeys are the keys of span.<key> in trace filters.
var spanKeys = map[string]bool{"name": true, "type": true, "status": true, "content": true}

// canon builds an order_by attribute table from alias, canonical pairs.
func canon(pairs ...string) map[string]*attrSpec {
	m := make(map[string]*attrSpec, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		m[pairs[i]] = &attrSpec{canonical: pairs[i+1]}
	}
	return m
}

// pyList renders keys as a sorted Python-style list for messages.
func pyList[V any](m map[string]V) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return "['" + strings.Join(keys, "', '") + "']"
}

// listKeys names the attributes that accept IN lists, for messages.
func (d *dialect) listKeys() string {
	m := map[string]bool{}
	for _, a := range d.attrs {
		if a.ops["IN"] {
			m[a.canonical] = true
		}
	}
	return pyList(m)
}
