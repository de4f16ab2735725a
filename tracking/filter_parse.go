package tracking

import "strings"

// ParseRunFilter parses a search_runs filter such as
// "metrics.acc > 0.9 AND params.model = 'rf'". The empty string gives nil,
// nil. Errors are *weir.Error with code INVALID_PARAMETER_VALUE.
func ParseRunFilter(filter string) ([]Comparison, error) {
	return runDialect.parseFilter(filter)
}

// ParseExperimentFilter parses a search_experiments filter: name,
// experiment_id, creation_time, last_update_time and tags.
func ParseExperimentFilter(filter string) ([]Comparison, error) {
	return experimentDialect.parseFilter(filter)
}

// ParseRegisteredModelFilter parses a search_registered_models filter: name
// and tags.
func ParseRegisteredModelFilter(filter string) ([]Comparison, error) {
	return registeredModelDialect.parseFilter(filter)
}

// ParseModelVersionFilter parses a search_model_versions filter: name,
// run_id, source_path, version_number and tags.
func ParseModelVersionFilter(filter string) ([]Comparison, error) {
	return modelVersionDialect.parseFilter(filter)
}

// ParseTraceFilter parses a search_traces filter: trace attributes
// (request_id, timestamp_ms, execution_time_ms, end_time_ms, status,
// client_request_id, name, run_id, text), tags, metadata and span name,
// type, status and content.
func ParseTraceFilter(filter string) ([]Comparison, error) {
	return traceDialect.parseFilter(filter)
}

// parseFilter parses clause (AND clause)*. Unlike MLflow, which leans on a
// general SQL tokenizer and silently skips stray ANDs and missing ones, it
// rejects anything that is not exactly that shape.
func (d *dialect) parseFilter(filter string) ([]Comparison, error) {
	s := &scanner{src: filter}
	if err := s.checkText(); err != nil {
		return nil, err
	}
	s.skipSpace()
	if s.eof() {
		return nil, nil
	}
	// Clauses collect in a buffer on the stack and are copied out once, so
	// a filter costs one allocation for its result.
	var buf [8]Comparison
	out := buf[:0]
	for {
		c, err := d.clause(s)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
		s.skipSpace()
		if s.eof() {
			return append([]Comparison(nil), out...), nil
		}
		at := s.pos
		if !s.keyword("AND") {
			return nil, d.strayToken(s, at)
		}
		s.skipSpace()
		if s.eof() {
			return nil, s.errorf(at, "Invalid clause(s) in filter string: 'AND' is not followed by a comparison")
		}
	}
}

// strayToken explains a token found where AND or the end was expected.
func (d *dialect) strayToken(s *scanner, at int) error {
	tok := s.token(at)
	switch {
	case tok == ";":
		return s.errorf(at, "Invalid clause(s) in filter string: ';'. Search filters are one expression of comparisons joined by AND")
	case strings.EqualFold(tok, "OR"):
		return s.errorf(at, "Invalid clause(s) in filter string: '%s'. Only AND may join comparisons", tok)
	}
	return s.errorf(at, "Invalid clause(s) in filter string: '%s'. Expected AND or the end of the filter", tok)
}

// clause parses identifier comparator [value].
func (d *dialect) clause(s *scanner) (Comparison, error) {
	start := s.pos
	if s.peek() == '(' {
		return Comparison{}, s.errorf(start, "Invalid clause(s) in filter string: '('. Parentheses may only enclose the list of IN and NOT IN")
	}
	if s.keyword("AND") || s.keyword("OR") || s.keyword("NOT") {
		return Comparison{}, s.errorf(start, "Invalid clause(s) in filter string: '%s'. Expected a comparison such as metrics.acc > 0.9", s.src[start:s.pos])
	}
	id, err := scanIdent(s)
	if err != nil {
		return Comparison{}, err
	}
	entity, attr, key, err := d.resolve(s, id, d.attrs)
	if err != nil {
		return Comparison{}, err
	}
	s.skipSpace()
	opPos := s.pos
	op, err := scanComparator(s)
	if err != nil {
		return Comparison{}, err
	}
	if err := d.checkOp(s, opPos, entity, attr, key, op); err != nil {
		return Comparison{}, err
	}
	c := Comparison{Entity: entity, Key: key, Op: op}
	if op == "IS NULL" || op == "IS NOT NULL" {
		return c, nil
	}
	s.skipSpace()
	c.Value, err = d.value(s, entity, attr, key, op)
	return c, err
}

// ident is an identifier as written, before a dialect resolves it.
type ident struct {
	pos    int
	text   string // as written, for messages
	entity string // the prefix; "" for a bare key
	dotted bool   // entity.key form
	key    string
}

// scanIdent scans key, entity.key, `entity`.`key`, entity."key" and the
// like. A bare identifier splits at its first dot, so metrics.a.b is the
// metric a.b.
func scanIdent(s *scanner) (ident, error) {
	id := ident{pos: s.pos}
	switch c := s.peek(); c {
	case '`', '"':
		first, err := s.quoted(c)
		if err != nil {
			return id, err
		}
		if s.peek() != '.' {
			id.key = first
			break
		}
		id.entity = s.src[id.pos:s.pos] // keeps the quotes: only backticks may quote an entity
		if c == '`' {
			id.entity = first
		}
		s.pos++
		if err := scanKey(s, &id); err != nil {
			return id, err
		}
	default:
		r, _ := s.runeAt(s.pos)
		if !isWordRune(r) || isDigit(c) {
			tok := s.token(s.pos)
			if tok == "" {
				return id, s.errorf(s.pos, "Invalid clause(s) in filter string: expected a comparison")
			}
			return id, s.errorf(s.pos, "Invalid clause(s) in filter string: '%s'. Expected an identifier such as metrics.acc or tags.`my key`", tok)
		}
		w := s.dottedWord()
		if e, k, ok := strings.Cut(w, "."); ok {
			id.entity, id.key, id.dotted = e, k, true
			break
		}
		if s.peek() != '.' {
			id.key = w
			break
		}
		id.entity = w
		s.pos++
		if err := scanKey(s, &id); err != nil {
			return id, err
		}
	}
	id.text = s.src[id.pos:s.pos]
	return id, nil
}

// scanKey scans the key after "entity.".
func scanKey(s *scanner, id *ident) error {
	id.dotted = true
	switch c := s.peek(); c {
	case '`', '"', '\'':
		k, err := s.quoted(c)
		id.key = k
		return err
	default:
		if r, n := s.runeAt(s.pos); n == 0 || !isWordRune(r) {
			return s.errorf(s.pos, "Invalid identifier '%s': expected a key after '.'", s.src[id.pos:s.pos])
		}
		id.key = s.dottedWord()
		return nil
	}
}

// resolve maps an identifier to its entity and canonical key, using attrs
// for the attribute names this use (filter or order_by) accepts.
func (d *dialect) resolve(s *scanner, id ident, attrs map[string]*attrSpec) (Entity, *attrSpec, string, error) {
	entity := EntityAttribute
	if id.dotted {
		prefix := id.entity
		if len(prefix) >= 2 && prefix[0] == '`' && prefix[len(prefix)-1] == '`' {
			prefix = prefix[1 : len(prefix)-1]
		}
		e, ok := d.prefixes[prefix]
		if !ok {
			return "", nil, "", s.errorf(id.pos, "Invalid entity type '%s'. Valid values are %s", prefix, pyList(d.prefixes))
		}
		entity = e
	}
	if id.key == "" {
		return "", nil, "", s.errorf(id.pos, "Invalid identifier '%s': the key is empty", id.text)
	}
	switch entity {
	case EntityAttribute:
		a, ok := attrs[id.key]
		if !ok {
			return "", nil, "", s.errorf(id.pos, "Invalid attribute key '%s' specified. Valid keys are %s", id.key, pyList(attrs))
		}
		return entity, a, a.canonical, nil
	case EntitySpan:
		if !spanKeys[id.key] {
			return "", nil, "", s.errorf(id.pos, "Invalid span attribute '%s'. Supported attributes: %s", id.key, pyList(spanKeys))
		}
	case EntityDataset:
		if !datasetKeys[id.key] {
			return "", nil, "", s.errorf(id.pos, "Invalid dataset key '%s' specified. Valid keys are %s", id.key, pyList(datasetKeys))
		}
	}
	return entity, nil, id.key, nil
}

// scanComparator scans = != > >= < <= LIKE ILIKE IN, NOT IN, IS NULL and IS
// NOT NULL, in any case, and returns it in upper case.
func scanComparator(s *scanner) (string, error) {
	start := s.pos
	switch c := s.peek(); c {
	case '=', '!', '<', '>':
		end := start + 1
		for end < len(s.src) && strings.IndexByte("=!<>", s.src[end]) >= 0 {
			end++
		}
		op := s.src[start:end]
		switch op {
		case "=", "!=", "<", "<=", ">", ">=":
			s.pos = end
			return op, nil
		}
		return "", s.errorf(start, "Invalid comparator '%s'. Valid comparators are =, !=, >, >=, <, <=, LIKE, ILIKE, IN, NOT IN, IS NULL and IS NOT NULL", op)
	}
	switch {
	case s.keyword("LIKE"):
		return "LIKE", nil
	case s.keyword("ILIKE"):
		return "ILIKE", nil
	case s.keyword("IN"):
		return "IN", nil
	case s.keyword("NOT"):
		s.skipSpace()
		if s.keyword("IN") {
			return "NOT IN", nil
		}
		return "", s.errorf(start, "Invalid comparator '%s': NOT is only allowed in NOT IN and IS NOT NULL", s.src[start:s.pos]+s.token(s.pos))
	case s.keyword("IS"):
		s.skipSpace()
		not := s.keyword("NOT")
		s.skipSpace()
		if s.keyword("NULL") {
			if not {
				return "IS NOT NULL", nil
			}
			return "IS NULL", nil
		}
		return "", s.errorf(start, "Invalid comparator '%s': expected IS NULL or IS NOT NULL", s.src[start:s.pos]+s.token(s.pos))
	}
	if s.eof() {
		return "", s.errorf(start, "Invalid comparison clause: expected a comparator after '%s'", strings.TrimSpace(s.src[:start]))
	}
	return "", s.errorf(start, "Invalid comparison clause. Expected comparison found '%s'. Keys with characters other than letters, digits, _ and . must be quoted, as in tags.`my-key`", s.token(start))
}

// checkOp rejects comparators that the entity or attribute does not take.
func (d *dialect) checkOp(s *scanner, pos int, e Entity, a *attrSpec, key, op string) error {
	allowed := d.ops[e]
	if a != nil {
		allowed = a.ops
	}
	if allowed[op] {
		return nil
	}
	switch {
	case op == "IS NULL" || op == "IS NOT NULL":
		if n := d.nullables(); n != "" {
			return s.errorf(pos, "IS NULL / IS NOT NULL is only supported for %s, not for %s '%s'", n, e, key)
		}
		return s.errorf(pos, "IS NULL / IS NOT NULL is not supported when searching %s", d.name)
	case a != nil && !a.numeric && (op == "IN" || op == "NOT IN"):
		return s.errorf(pos, "Only %s attributes support comparison with a list of quoted string values.", d.listKeys())
	}
	return s.errorf(pos, "Invalid comparator '%s' not one of '%s' for %s '%s'", op, allowed, e, key)
}

// nullables names the entities that accept IS NULL, for messages; "" if
// none do.
func (d *dialect) nullables() string {
	var names []string
	for _, e := range []Entity{EntityTag, EntityParam} {
		if d.ops[e]["IS NULL"] {
			names = append(names, string(e)+"s")
		}
	}
	return strings.Join(names, " and ")
}
