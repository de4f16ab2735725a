package tracking

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/weir-ml/weir"
)

// This file scans the pieces of MLflow's search language: identifiers,
// comparators and values. It is written by hand, without regular
// expressions, because it runs on every search request.

// scanner walks a filter or order_by string byte by byte.
type scanner struct {
	src string
	pos int
}

func (s *scanner) eof() bool { return s.pos >= len(s.src) }

// peek returns the byte at the current position, or 0 at the end.
func (s *scanner) peek() byte {
	if s.pos < len(s.src) {
		return s.src[s.pos]
	}
	return 0
}

func (s *scanner) skipSpace() {
	for s.pos < len(s.src) {
		switch s.src[s.pos] {
		case ' ', '\t', '\n', '\r', '\f', '\v':
			s.pos++
		default:
			return
		}
	}
}

// errorf returns an INVALID_PARAMETER_VALUE error that says where in the
// input it happened, counted in characters from 1 as a person would.
func (s *scanner) errorf(pos int, format string, args ...any) *weir.Error {
	if pos > len(s.src) {
		pos = len(s.src)
	}
	at := utf8.RuneCountInString(s.src[:pos]) + 1
	return weir.Errorf(weir.ErrInvalidParameterValue, "%s (at character %d)", fmt.Sprintf(format, args...), at)
}

// checkText rejects input that no database can compare with: invalid
// UTF-8 and NUL bytes, which PostgreSQL refuses in text with an error that
// would otherwise reach the caller as an internal one.
func (s *scanner) checkText() error {
	if i := strings.IndexByte(s.src, 0); i >= 0 {
		return s.errorf(i, "Invalid filter: it contains a NUL character")
	}
	if !utf8.ValidString(s.src) {
		for i := 0; i < len(s.src); {
			r, n := utf8.DecodeRuneInString(s.src[i:])
			if r == utf8.RuneError && n == 1 {
				return s.errorf(i, "Invalid filter: it is not valid UTF-8")
			}
			i += n
		}
	}
	return nil
}

// runeAt decodes the rune at i, with a fast path for ASCII.
func (s *scanner) runeAt(i int) (rune, int) {
	if i >= len(s.src) {
		return utf8.RuneError, 0
	}
	if c := s.src[i]; c < utf8.RuneSelf {
		return rune(c), 1
	}
	return utf8.DecodeRuneInString(s.src[i:])
}

// isWordRune reports whether r may appear in a bare identifier.
func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return r == '_' || '0' <= r && r <= '9' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z'
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// word scans a run of word runes and returns it.
func (s *scanner) word() string {
	start := s.pos
	for {
		r, n := s.runeAt(s.pos)
		if n == 0 || !isWordRune(r) {
			break
		}
		s.pos += n
	}
	return s.src[start:s.pos]
}

// dottedWord scans word ('.' word)*: a bare identifier such as
// metrics.val.loss. A dot that is not followed by a word rune is left
// unread, so that tags."a b" scans as tags then a quoted key.
func (s *scanner) dottedWord() string {
	start := s.pos
	s.word()
	for s.peek() == '.' {
		r, n := s.runeAt(s.pos + 1)
		if n == 0 || !isWordRune(r) {
			break
		}
		s.pos++
		s.word()
	}
	return s.src[start:s.pos]
}

// quoted scans a string in quotes q starting at the current position and
// returns its body as written. Inside ' and " quotes a backslash escapes
// the next byte and a doubled quote stands for one, as in SQL; MLflow keeps
// those escapes in the value as written, and so do we. Backticks have no
// escapes.
func (s *scanner) quoted(q byte) (string, error) {
	start := s.pos
	for i := s.pos + 1; i < len(s.src); i++ {
		c := s.src[i]
		if q != '`' && c == '\\' {
			i++
			continue
		}
		if c == q {
			if q != '`' && i+1 < len(s.src) && s.src[i+1] == q {
				i++
				continue
			}
			s.pos = i + 1
			return s.src[start+1 : i], nil
		}
	}
	return "", s.errorf(start, "Unterminated quoted string %s", s.src[start:])
}

// number scans -?(digits[.digits]|.digits)([eE][+-]?digits)? and reports
// whether it is a whole number as written.
func (s *scanner) number() (text string, v float64, whole bool, err error) {
	start := s.pos
	i := s.pos
	if i < len(s.src) && s.src[i] == '-' {
		i++
	}
	digits := 0
	for i < len(s.src) && isDigit(s.src[i]) {
		i++
		digits++
	}
	whole = true
	if i < len(s.src) && s.src[i] == '.' {
		whole = false
		i++
		for i < len(s.src) && isDigit(s.src[i]) {
			i++
			digits++
		}
	}
	if digits > 0 && i < len(s.src) && (s.src[i] == 'e' || s.src[i] == 'E') {
		j := i + 1
		if j < len(s.src) && (s.src[j] == '+' || s.src[j] == '-') {
			j++
		}
		if j < len(s.src) && isDigit(s.src[j]) {
			whole = false
			for j < len(s.src) && isDigit(s.src[j]) {
				j++
			}
			i = j
		}
	}
	s.pos = i
	// A number must end where a word would: 1and, 1e, 1.2.3 are not numbers.
	if r, n := s.runeAt(i); digits == 0 || n > 0 && (isWordRune(r) || r == '.') {
		s.pos = start
		return "", 0, false, s.errorf(start, "Invalid number '%s'", s.token(start))
	}
	text = s.src[start:i]
	v, err = strconv.ParseFloat(text, 64)
	if err != nil && !isRangeErr(err) {
		return "", 0, false, s.errorf(start, "Invalid number '%s'", text)
	}
	// Out-of-range numbers become ±Inf or 0 as in Python's float().
	return text, v, whole, nil
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// token returns the lexical token at pos, for messages: a word, a quoted
// string, a number or a single character.
func (s *scanner) token(pos int) string {
	if pos >= len(s.src) {
		return ""
	}
	t := scanner{src: s.src, pos: pos}
	c := t.peek()
	switch {
	case c == '\'' || c == '"' || c == '`':
		if _, err := t.quoted(c); err != nil {
			return s.src[pos:]
		}
	case c == '-' || c == '.' || isDigit(c):
		t.pos++
		for {
			r, n := t.runeAt(t.pos)
			if n == 0 || !(isWordRune(r) || r == '.') {
				break
			}
			t.pos += n
		}
	default:
		if r, n := t.runeAt(pos); isWordRune(r) {
			t.dottedWord()
		} else {
			t.pos += n
		}
	}
	return s.src[pos:t.pos]
}

// keyword reports whether the next word is kw (in any case), and consumes
// it if so.
func (s *scanner) keyword(kw string) bool {
	end := s.pos + len(kw)
	if end > len(s.src) || !strings.EqualFold(s.src[s.pos:end], kw) {
		return false
	}
	if r, n := s.runeAt(end); n > 0 && isWordRune(r) {
		return false
	}
	s.pos = end
	return true
}

// unescapeListItem resolves the backslash escapes of a string inside an IN
// list. MLflow reads lists as Python literals, which resolve escapes, while
// single values keep them as written.
func unescapeListItem(body string) string {
	if !strings.Contains(body, `\`) {
		return body
	}
	var b strings.Builder
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c != '\\' || i+1 == len(body) {
			b.WriteByte(c)
			continue
		}
		i++
		switch body[i] {
		case '\\', '\'', '"':
			b.WriteByte(body[i])
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		default: // Python keeps unknown escapes as written.
			b.WriteByte('\\')
			b.WriteByte(body[i])
		}
	}
	return b.String()
}
