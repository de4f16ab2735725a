package evaldata

import (
	"strconv"
	"strings"

	"github.com/weir-ml/weir"
)

// Clause is one comparison of a dataset search filter: an attribute (name,
// created_time, last_update_time, created_by, last_updated_by) or, when
// Tag is set, the tag Key, compared by Op (= != > >= < <= LIKE ILIKE IN)
// with Str, Int (the times) or List (name IN (...)).
type Clause struct {
	Tag  bool
	Key  string
	Op   string
	Str  string
	Int  int64
	List []string
}

// OrderKey is one parsed order_by entry: name, created_time or
// last_update_time.
type OrderKey struct {
	Key  string
	Desc bool
}

var (
	filterAttrs = map[string]bool{"name": true, "created_time": true, "last_update_time": true,
		"created_by": true, "last_updated_by": true}
	numericAttrs = map[string]bool{"created_time": true, "last_update_time": true}
	orderAttrs   = map[string]bool{"name": true, "created_time": true, "last_update_time": true}
	stringOps    = map[string]bool{"=": true, "!=": true, "LIKE": true, "ILIKE": true}
	numericOps   = map[string]bool{"=": true, "!=": true, ">": true, ">=": true, "<": true, "<=": true}
)

// Keys in MLflow's messages, which print Python sets.
const (
	filterKeysText = "{'name', 'created_by', 'created_time', 'last_update_time', 'last_updated_by'}"
	orderKeysText  = "{'name', 'created_time', 'last_update_time'}"
)

func badFilter(format string, args ...any) error {
	return weir.Errorf(weir.ErrInvalidParameterValue, format, args...)
}

// ParseFilter parses a dataset search filter: comparisons joined by AND,
// as MLflow's search_datasets accepts them.
func ParseFilter(filter string) ([]Clause, error) {
	toks, err := lexFilter(filter)
	if err != nil {
		return nil, err
	}
	var out []Clause
	for i := 0; i < len(toks); {
		if len(out) > 0 {
			if !strings.EqualFold(toks[i].text, "AND") || toks[i].quoted {
				return nil, badFilter("Invalid clause(s) in filter string: '%s': clauses are joined by AND.", toks[i].text)
			}
			i++
		}
		c, n, err := parseClause(toks[i:])
		if err != nil {
			return nil, err
		}
		out = append(out, c)
		i += n
	}
	return out, nil
}

func parseClause(toks []token) (Clause, int, error) {
	var c Clause
	if len(toks) < 3 {
		return c, 0, badFilter("Invalid filter: a comparison needs a key, a comparator and a value.")
	}
	ident := toks[0].text
	if tag, ok := strings.CutPrefix(ident, "tags."); ok && !toks[0].quoted {
		c.Tag, c.Key = true, strings.Trim(tag, "`\"'")
	} else if before, _, found := strings.Cut(ident, "."); found && !toks[0].quoted {
		return c, 0, badFilter("Invalid identifier token '%s' specified", before)
	} else if !filterAttrs[ident] || toks[0].quoted {
		return c, 0, badFilter("Invalid attribute key '%s' specified. Valid keys are: %s", ident, filterKeysText)
	} else {
		c.Key = ident
	}
	c.Op = strings.ToUpper(toks[1].text)
	n := 3
	switch {
	case c.Op == "IN" && !c.Tag && c.Key == "name":
		list, used, err := parseList(toks[2:])
		if err != nil {
			return c, 0, err
		}
		c.List, n = list, 2+used
		return c, n, nil
	case c.Tag && !stringOps[c.Op]:
		return c, 0, badFilter("Invalid comparator for tag: %s", toks[1].text)
	case !c.Tag && numericAttrs[c.Key] && !numericOps[c.Op]:
		return c, 0, badFilter("Invalid comparator for numeric attribute: %s", toks[1].text)
	case !c.Tag && !numericAttrs[c.Key] && !stringOps[c.Op]:
		return c, 0, badFilter("Invalid comparator for string attribute: %s", toks[1].text)
	}
	v := toks[2]
	if !c.Tag && numericAttrs[c.Key] {
		i, err := strconv.ParseInt(v.text, 10, 64)
		if err != nil {
			return c, 0, badFilter("Invalid value for numeric attribute '%s': '%s'", c.Key, v.text)
		}
		c.Int = i
		return c, n, nil
	}
	if !v.quoted {
		return c, 0, badFilter("Invalid value %s for '%s': string values must be quoted.", v.text, c.Key)
	}
	c.Str = v.text
	return c, n, nil
}

func parseList(toks []token) ([]string, int, error) {
	if len(toks) == 0 || toks[0].text != "(" || toks[0].quoted {
		return nil, 0, badFilter("Invalid filter: IN needs a parenthesised list of quoted names.")
	}
	var list []string
	for i := 1; i < len(toks); i++ {
		t := toks[i]
		switch {
		case t.text == ")" && !t.quoted:
			if len(list) == 0 {
				return nil, 0, badFilter("Invalid filter: IN needs at least one name.")
			}
			return list, i + 1, nil
		case t.text == "," && !t.quoted:
		case t.quoted:
			list = append(list, t.text)
		default:
			return nil, 0, badFilter("Invalid filter: IN lists hold quoted names, not %s.", t.text)
		}
	}
	return nil, 0, badFilter("Invalid filter: IN list is not closed.")
}

// token is a word, comparator, punctuation or quoted string of a filter.
type token struct {
	text   string
	quoted bool
}

func lexFilter(s string) ([]token, error) {
	var toks []token
	for i := 0; i < len(s); {
		ch := s[i]
		switch {
		case ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r':
			i++
		case ch == '\'' || ch == '"':
			j := strings.IndexByte(s[i+1:], ch)
			if j < 0 {
				return nil, badFilter("Invalid filter: unclosed quote at character %d.", i)
			}
			toks = append(toks, token{text: s[i+1 : i+1+j], quoted: true})
			i += j + 2
		case ch == '(' || ch == ')' || ch == ',':
			toks = append(toks, token{text: string(ch)})
			i++
		case strings.ContainsRune("=!<>", rune(ch)):
			j := i + 1
			if j < len(s) && s[j] == '=' {
				j++
			}
			op := s[i:j]
			if op == "!" {
				return nil, badFilter("Invalid filter: '!' at character %d is not a comparator.", i)
			}
			toks = append(toks, token{text: op})
			i = j
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\r\n()=!<>,'\"", rune(s[j])) {
				if s[j] == '`' { // tags.`key with spaces`
					k := strings.IndexByte(s[j+1:], '`')
					if k < 0 {
						return nil, badFilter("Invalid filter: unclosed backtick at character %d.", j)
					}
					j += k + 2
					continue
				}
				j++
			}
			if j < len(s) && (s[j] == '"' || s[j] == '\'') && strings.HasSuffix(s[i:j], "tags.") {
				k := strings.IndexByte(s[j+1:], s[j]) // tags."key"
				if k < 0 {
					return nil, badFilter("Invalid filter: unclosed quote at character %d.", j)
				}
				j += k + 2
			}
			toks = append(toks, token{text: s[i:j]})
			i = j
		}
	}
	return toks, nil
}

// ParseOrderBy parses order_by entries such as "name ASC" or
// "created_time DESC"; ascending is the default.
func ParseOrderBy(orderBy []string) ([]OrderKey, error) {
	keys := make([]OrderKey, 0, len(orderBy))
	for _, o := range orderBy {
		f := strings.Fields(o)
		if len(f) == 0 || len(f) > 2 {
			return nil, badFilter("Invalid order_by clause '%s'.", o)
		}
		k := OrderKey{Key: f[0]}
		if len(f) == 2 {
			switch strings.ToUpper(f[1]) {
			case "ASC":
			case "DESC":
				k.Desc = true
			default:
				return nil, badFilter("Invalid ordering key in order_by clause '%s'.", o)
			}
		}
		if !orderAttrs[k.Key] {
			return nil, badFilter("Invalid attribute key '%s' specified. Valid keys are: %s", k.Key, orderKeysText)
		}
		keys = append(keys, k)
	}
	return keys, nil
}
