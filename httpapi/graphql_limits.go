package httpapi

import (
	"strconv"
)

// Limits on one GraphQL document, as mlflow server 3.17.2 applies them
// before it executes anything: a query may not nest selections deeper than
// graphqlMaxDepth, expand to more than graphqlMaxSelections fields, ask for
// more than graphqlMaxRootFields top-level fields (MLflow's "batching") or
// use more than graphqlMaxAliases aliases in one selection set. MLflow reads
// the last two from MLFLOW_SERVER_GRAPHQL_MAX_ROOT_FIELDS and
// MLFLOW_SERVER_GRAPHQL_MAX_ALIASES; both default to 10.
const (
	graphqlMaxDepth      = 10
	graphqlMaxSelections = 1000
	graphqlMaxRootFields = 10
	graphqlMaxAliases    = 10
	// graphqlMaxNesting bounds brackets inside arguments and variable
	// definitions, which the counts above do not see, so that a hostile
	// document cannot make the executor's parser recurse without end.
	graphqlMaxNesting = 64
)

// gqlSelection is one entry of a selection set as the limit check sees it:
// a field (with its alias flag and its own selections), an inline fragment
// (its selections) or a fragment spread (its name).
type gqlSelection struct {
	alias  bool
	field  bool
	spread string
	set    []gqlSelection
}

// gqlDocument is the outline of a GraphQL document: the selection sets of
// its operations and its named fragments.
type gqlDocument struct {
	operations [][]gqlSelection
	fragments  map[string][]gqlSelection
}

// checkGraphQLLimits returns the message MLflow gives for a document over
// one of the limits, or "" when the document is within them (or cannot be
// outlined: the executor then reports the syntax error).
func checkGraphQLLimits(query string) string {
	doc, msg := outlineGraphQL(query)
	if doc == nil {
		return msg
	}
	roots, aliases, msg := doc.counts()
	switch {
	case msg != "":
		return msg
	case roots > graphqlMaxRootFields:
		return overLimit(graphqlMaxRootFields, roots, "root fields")
	case aliases > graphqlMaxAliases:
		return overLimit(graphqlMaxAliases, aliases, "aliases")
	}
	return ""
}

func overLimit(limit, got int, what string) string {
	return "GraphQL queries should have at most " + strconv.Itoa(limit) + " " + what +
		", got " + strconv.Itoa(got) + " " + what + "."
}

type gqlLevel struct {
	set   []gqlSelection
	depth int
}

// counts walks every operation as MLflow does: level by level, fields of
// inline fragments and fragment spreads count at the level they appear in,
// each fragment at most once per level, and every field with selections
// opens the next level. It returns the number of root fields, the largest
// number of aliases on one level, and a depth or size message.
func (d *gqlDocument) counts() (roots, maxAliases int, msg string) {
	total := 0
	for _, op := range d.operations {
		stack := []gqlLevel{{op, 1}}
		for len(stack) > 0 {
			lv := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if lv.depth > graphqlMaxDepth {
				return 0, 0, "Query exceeds maximum depth of " + strconv.Itoa(graphqlMaxDepth)
			}
			fields, aliases := d.flatten(lv.set)
			for _, f := range fields {
				if lv.depth == 1 {
					roots++
				}
				if f.set != nil {
					stack = append(stack, gqlLevel{f.set, lv.depth + 1})
				}
				if total++; total > graphqlMaxSelections {
					return 0, 0, "Query exceeds maximum total selections of " + strconv.Itoa(graphqlMaxSelections)
				}
			}
			maxAliases = max(maxAliases, aliases)
		}
	}
	return roots, maxAliases, ""
}

// flatten lists the fields of one level, with fragments merged in.
func (d *gqlDocument) flatten(set []gqlSelection) (fields []gqlSelection, aliases int) {
	queue := append([]gqlSelection(nil), set...)
	seen := map[string]bool{}
	for i := 0; i < len(queue); i++ {
		s := queue[i]
		switch {
		case s.field:
			fields = append(fields, s)
			if s.alias {
				aliases++
			}
		case s.spread != "":
			if !seen[s.spread] {
				seen[s.spread] = true
				queue = append(queue, d.fragments[s.spread]...)
			}
		default:
			queue = append(queue, s.set...)
		}
	}
	return fields, aliases
}
