package tracking

// This file declares the parsed form of MLflow's search language. The parser
// (ParseRunFilter, ParseExperimentFilter, ParseRunOrderBy,
// ParseExperimentOrderBy) turns strings into these values; stores translate
// them into queries.

// Entity is what an identifier in a filter refers to.
type Entity string

// Entities of the search language.
const (
	EntityAttribute Entity = "attribute"
	EntityMetric    Entity = "metric"
	EntityParam     Entity = "param"
	EntityTag       Entity = "tag"
	EntityDataset   Entity = "dataset"
	// EntityMetadata and EntitySpan are a trace's metadata and its spans'
	// name, type and status (search_traces only).
	EntityMetadata Entity = "metadata"
	EntitySpan     Entity = "span"
)

// ValueKind says which field of a Value is set.
type ValueKind int

// Value kinds.
const (
	NoValue     ValueKind = iota // IS NULL / IS NOT NULL
	StringValue                  // Value.Str
	NumberValue                  // Value.Num
	ListValue                    // Value.List (IN / NOT IN)
)

// Value is the right-hand side of a comparison.
type Value struct {
	Kind ValueKind
	Str  string
	Num  float64
	List []string
}

// Comparison is one clause of a filter: Entity.Key Op Value. Attribute keys
// are canonical (run_name, start_time, ...: aliases such as "created" are
// resolved). Op is upper case: = != > >= < <= LIKE ILIKE IN "NOT IN" "IS NULL"
// "IS NOT NULL".
type Comparison struct {
	Entity Entity
	Key    string
	Op     string
	Value  Value
}

// OrderKey is one parsed order_by entry.
type OrderKey struct {
	Entity Entity
	Key    string
	Desc   bool
}
