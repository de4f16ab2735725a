package tracking

import (
	"strconv"
	"strings"
)

// This file reads the right-hand side of a comparison and checks that its
// type suits what it is compared with.

// value scans the right-hand side and checks that its type suits the
// entity and attribute.
func (d *dialect) value(s *scanner, e Entity, a *attrSpec, key, op string) (Value, error) {
	pos := s.pos
	c := s.peek()
	list := op == "IN" || op == "NOT IN"
	switch {
	case s.eof():
		return Value{}, s.errorf(pos, "Invalid comparison clause: expected a value after '%s'", op)
	case c == '(':
		if !list {
			return Value{}, s.errorf(pos, "A list of values is only allowed after IN and NOT IN, not after '%s'", op)
		}
		return d.listValue(s, a, key)
	case list:
		return Value{}, s.errorf(pos, "Expected a list of quoted string values after %s, such as ('a', 'b'). Got value %s", op, s.token(pos))
	case c == '\'' || c == '"':
		body, err := s.quoted(c)
		if err != nil {
			return Value{}, err
		}
		return d.stringValue(s, pos, e, a, key, body)
	case c == '-' || c == '.' || isDigit(c):
		text, v, whole, err := s.number()
		if err != nil {
			return Value{}, err
		}
		return d.numberValue(s, pos, e, a, key, text, v, whole)
	}
	tok := s.token(pos)
	if e == EntityMetric || a != nil && a.numeric {
		return Value{}, s.errorf(pos, "Expected numeric value type for %s. Found %s", numericWhat(e, key), tok)
	}
	return Value{}, s.errorf(pos, "Parameter value is either not quoted or unidentified quote types used for string value %s. Use either single or double quotes.", tok)
}

func numericWhat(e Entity, key string) string {
	if e == EntityMetric {
		return "metric"
	}
	return "numeric attribute: " + key
}

// stringValue checks a quoted value.
func (d *dialect) stringValue(s *scanner, pos int, e Entity, a *attrSpec, key, body string) (Value, error) {
	switch {
	case e == EntityMetric:
		return Value{}, s.errorf(pos, "Expected numeric value type for metric. Found %s", s.src[pos:s.pos])
	case a != nil && a.intString:
		n, err := strconv.ParseInt(strings.TrimSpace(body), 10, 64)
		if err != nil {
			return Value{}, s.errorf(pos, "Invalid value for numeric attribute '%s': '%s'", key, body)
		}
		return Value{Kind: NumberValue, Num: float64(n)}, nil
	case a != nil && a.numeric:
		return Value{}, s.errorf(pos, "Expected numeric value type for numeric attribute: %s. Found %s", key, s.src[pos:s.pos])
	case a != nil && a.expID:
		id, err := canonicalExperimentID(body)
		if err != nil {
			return Value{}, s.errorf(pos, "%s", err.Message)
		}
		return Value{Kind: StringValue, Str: id}, nil
	}
	return Value{Kind: StringValue, Str: body}, nil
}

// numberValue checks a bare number.
func (d *dialect) numberValue(s *scanner, pos int, e Entity, a *attrSpec, key, text string, v float64, whole bool) (Value, error) {
	switch {
	case e == EntityMetric:
		return Value{Kind: NumberValue, Num: v}, nil
	case a != nil && a.numeric:
		if a.integer && !whole {
			return Value{}, s.errorf(pos, "Invalid value for numeric attribute '%s': '%s'. Expected a whole number", key, text)
		}
		return Value{Kind: NumberValue, Num: v}, nil
	case e == EntityAttribute:
		return Value{}, s.errorf(pos, "Expected a quoted string value for attributes. Got value %s", text)
	case e == EntityDataset:
		return Value{}, s.errorf(pos, "Expected a quoted string value for dataset attributes. Got value %s", text)
	}
	return Value{}, s.errorf(pos, "Expected a quoted string value for %s (e.g. 'my-value'). Got value %s", e, text)
}

// listValue scans ( item [, item]* [,] ). Items are quoted strings, or
// whole numbers for numeric attributes (version_number IN (1, 2)).
func (d *dialect) listValue(s *scanner, a *attrSpec, key string) (Value, error) {
	start := s.pos
	s.pos++ // (
	// Size the list from the commas before the next ')': exact unless a
	// quoted item holds a comma or a parenthesis.
	rest := s.src[s.pos:]
	if end := strings.IndexByte(rest, ')'); end >= 0 {
		rest = rest[:end]
	}
	items := make([]string, 0, 1+strings.Count(rest, ","))
	sawNumber := false
	for {
		s.skipSpace()
		c := s.peek()
		if c == ')' {
			s.pos++
			break
		}
		switch {
		case c == '\'' || c == '"':
			body, err := s.quoted(c)
			if err != nil {
				return Value{}, err
			}
			items = append(items, unescapeListItem(body))
		case c == '-' || c == '.' || isDigit(c):
			text, _, _, err := s.number()
			if err != nil {
				return Value{}, err
			}
			items = append(items, text)
			sawNumber = true
		default:
			return Value{}, s.errorf(s.pos, "While parsing a list in the query, expected a non-empty list of string values, but got ill-formed list.")
		}
		s.skipSpace()
		switch s.peek() {
		case ',':
			s.pos++
		case ')':
		default:
			return Value{}, s.errorf(s.pos, "While parsing a list in the query, expected a non-empty list of string values, but got ill-formed list.")
		}
	}
	if len(items) == 0 {
		return Value{}, s.errorf(start, "While parsing a list in the query, expected a non-empty list of string values, but got empty list")
	}
	switch {
	case a != nil && a.numeric:
		for i, it := range items {
			n, err := strconv.ParseInt(strings.TrimSpace(it), 10, 64)
			if err != nil {
				return Value{}, s.errorf(start, "Invalid value for numeric attribute '%s': '%s'. Expected a list of whole numbers", key, it)
			}
			items[i] = strconv.FormatInt(n, 10)
		}
	case sawNumber:
		return Value{}, s.errorf(start, "While parsing a list in the query, expected string value, punctuation, or whitespace, but got different type in list: %s", s.src[start:s.pos])
	case a != nil && a.expID:
		for i, it := range items {
			id, err := canonicalExperimentID(it)
			if err != nil {
				return Value{}, s.errorf(start, "%s", err.Message)
			}
			items[i] = id
		}
	}
	return Value{Kind: ListValue, List: items}, nil
}
