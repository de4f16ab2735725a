package httpapi

import "strconv"

// This file outlines a GraphQL document for the limit check
// (graphql_limits.go): operations, fragments and the shape of their
// selection sets, skipping arguments, variables and directives. It reads the
// whole executable-document grammar, so that a selection cannot hide from
// the count, but checks no types: the executor validates the document after.

// gqlLexer reads the tokens of a GraphQL document.
type gqlLexer struct {
	src string
	pos int
	tok string // the current token; "" at the end
	bad bool   // an invalid character or unterminated string
}

func (l *gqlLexer) next() {
	l.skipIgnored()
	start := l.pos
	if l.pos >= len(l.src) {
		l.tok = ""
		return
	}
	c := l.src[l.pos]
	switch {
	case c == '.':
		if len(l.src)-l.pos < 3 || l.src[l.pos:l.pos+3] != "..." {
			l.fail()
			return
		}
		l.pos += 3
	case c == '"':
		l.scanString()
	case isNameStart(c):
		for l.pos++; l.pos < len(l.src) && (isNameStart(l.src[l.pos]) || isDigit(l.src[l.pos])); l.pos++ {
		}
	case c == '-' || isDigit(c):
		for l.pos++; l.pos < len(l.src) && isNumberByte(l.src[l.pos]); l.pos++ {
		}
	case isPunct(c):
		l.pos++
	default:
		l.fail()
		return
	}
	l.tok = l.src[start:l.pos]
}

func (l *gqlLexer) fail() {
	l.bad, l.tok = true, ""
}

// skipIgnored skips white space, commas, a byte-order mark and comments.
func (l *gqlLexer) skipIgnored() {
	for l.pos < len(l.src) {
		switch c := l.src[l.pos]; {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',':
			l.pos++
		case c == '#':
			for l.pos < len(l.src) && l.src[l.pos] != '\n' && l.src[l.pos] != '\r' {
				l.pos++
			}
		case c == 0xEF && len(l.src)-l.pos >= 3 && l.src[l.pos:l.pos+3] == "\uFEFF":
			l.pos += 3
		default:
			return
		}
	}
}

// scanString moves past a "string" or a """block string""".
func (l *gqlLexer) scanString() {
	if len(l.src)-l.pos >= 3 && l.src[l.pos:l.pos+3] == `"""` {
		for l.pos += 3; l.pos < len(l.src); l.pos++ {
			switch {
			case l.src[l.pos] == '\\' && len(l.src)-l.pos >= 4 && l.src[l.pos+1:l.pos+4] == `"""`:
				l.pos += 3
			case len(l.src)-l.pos >= 3 && l.src[l.pos:l.pos+3] == `"""`:
				l.pos += 3
				return
			}
		}
		l.fail()
		return
	}
	for l.pos++; l.pos < len(l.src); l.pos++ {
		switch l.src[l.pos] {
		case '\\':
			l.pos++
		case '"':
			l.pos++
			return
		case '\n', '\r':
			l.fail()
			return
		}
	}
	l.fail()
}

func isNameStart(c byte) bool {
	return c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isNumberByte(c byte) bool {
	return isDigit(c) || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-'
}

func isPunct(c byte) bool {
	switch c {
	case '!', '$', '&', '(', ')', ':', '=', '@', '[', ']', '{', '|', '}':
		return true
	}
	return false
}

func isName(tok string) bool { return tok != "" && isNameStart(tok[0]) }

// errNesting is the outline's answer to brackets nested past
// graphqlMaxNesting: the document is over the depth limit whatever the
// brackets are.
var errNesting = "Query exceeds maximum depth of " + strconv.Itoa(graphqlMaxDepth)

// gqlOutliner builds a gqlDocument; msg is set once it fails.
type gqlOutliner struct {
	gqlLexer
	syntax bool   // the document is not GraphQL
	msg    string // a limit message
}

// outlineGraphQL outlines query. It returns a nil document with a message
// when the document breaks a limit while being read, and a nil document
// with "" when it is not valid GraphQL.
func outlineGraphQL(query string) (*gqlDocument, string) {
	o := &gqlOutliner{gqlLexer: gqlLexer{src: query}}
	doc := &gqlDocument{fragments: map[string][]gqlSelection{}}
	o.next()
	for o.ok() && o.tok != "" {
		o.definition(doc)
	}
	if !o.ok() {
		return nil, o.msg
	}
	return doc, ""
}

func (o *gqlOutliner) ok() bool { return !o.syntax && !o.bad && o.msg == "" }

func (o *gqlOutliner) expect(tok string) {
	if o.tok != tok {
		o.syntax = true
		return
	}
	o.next()
}

func (o *gqlOutliner) name() string {
	if !isName(o.tok) {
		o.syntax = true
		return ""
	}
	n := o.tok
	o.next()
	return n
}

func (o *gqlOutliner) definition(doc *gqlDocument) {
	switch o.tok {
	case "{":
		doc.operations = append(doc.operations, o.selectionSet(1))
	case "query", "mutation", "subscription":
		o.next()
		if isName(o.tok) {
			o.next()
		}
		if o.tok == "(" {
			o.skipBracketed()
		}
		o.directives()
		doc.operations = append(doc.operations, o.selectionSet(1))
	case "fragment":
		o.next()
		name := o.name()
		if o.name() != "on" {
			o.syntax = true
			return
		}
		o.name()
		o.directives()
		doc.fragments[name] = o.selectionSet(1)
	default:
		o.syntax = true
	}
}

func (o *gqlOutliner) directives() {
	for o.ok() && o.tok == "@" {
		o.next()
		o.name()
		if o.tok == "(" {
			o.skipBracketed()
		}
	}
}

// skipBracketed moves past a bracketed group (arguments, variable
// definitions, a list or object value) with everything inside it.
func (o *gqlOutliner) skipBracketed() {
	depth := 0
	for o.ok() {
		switch o.tok {
		case "(", "[", "{":
			if depth++; depth > graphqlMaxNesting {
				o.msg = errNesting
				return
			}
		case ")", "]", "}":
			depth--
		case "":
			o.syntax = true
			return
		}
		o.next()
		if depth == 0 {
			return
		}
	}
}

// selectionSet reads { selection... }, at bracket depth depth.
func (o *gqlOutliner) selectionSet(depth int) []gqlSelection {
	if depth > graphqlMaxNesting {
		o.msg = errNesting
		return nil
	}
	o.expect("{")
	var set []gqlSelection
	for o.ok() && o.tok != "}" {
		set = append(set, o.selection(depth))
	}
	o.expect("}")
	if len(set) == 0 {
		o.syntax = true
	}
	return set
}

func (o *gqlOutliner) selection(depth int) gqlSelection {
	if o.tok == "..." {
		o.next()
		if isName(o.tok) && o.tok != "on" {
			s := gqlSelection{spread: o.name()}
			o.directives()
			return s
		}
		if o.tok == "on" {
			o.next()
			o.name()
		}
		o.directives()
		return gqlSelection{set: o.selectionSet(depth + 1)}
	}
	s := gqlSelection{field: true}
	o.name()
	if o.tok == ":" {
		s.alias = true
		o.next()
		o.name()
	}
	if o.tok == "(" {
		o.skipBracketed()
	}
	o.directives()
	if o.tok == "{" {
		s.set = o.selectionSet(depth + 1)
	}
	return s
}
