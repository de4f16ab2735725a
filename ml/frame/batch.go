package frame

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"unicode/utf8"
)

// batch holds one batch of records as every field's bytes back to back in
// text, field j of record i ending at ends[i*cols+j]. One batch is reused
// for the whole file: a string and a slice per record made reading a large
// file mostly allocation and garbage collection, and the columns built from
// a batch copy what they keep (numbers parsed, categories cloned into the
// dictionary), so nothing points into it once Next returns.
type batch struct {
	cols  int
	text  []byte
	ends  []int
	lines []int // the line each record starts on
}

func (b *batch) reset(cols int) {
	b.cols = cols
	b.text, b.ends, b.lines = b.text[:0], b.ends[:0], b.lines[:0]
}

func (b *batch) rows() int { return len(b.lines) }

func (b *batch) field(i, j int) []byte {
	k := i*b.cols + j
	start := 0
	if k > 0 {
		start = b.ends[k-1]
	}
	return b.text[start:b.ends[k]]
}

func (b *batch) addRecord(rec []string, line int) {
	for _, s := range rec {
		b.text = append(b.text, s...)
		b.ends = append(b.ends, len(b.text))
	}
	b.lines = append(b.lines, line)
}

// readRecord appends the next record to b and returns its field count, or
// io.EOF. Lines without a quote character, nearly all of them in practice,
// are split here straight from the buffered reader; a line with a quote
// (which may open a field spanning lines) is left to encoding/csv, which
// reads from the same bufio.Reader and so continues exactly where the fast
// path stopped. Both follow RFC 4180 as encoding/csv does: "\r\n" ends a
// line like "\n", empty lines are skipped, a trailing "\r" before the end
// of the input is dropped.
func (r *CSVReader) readRecord(b *batch) (int, error) {
	for {
		line, ok, err := r.peekLine()
		if err != nil {
			return 0, err
		}
		if !ok {
			return r.readQuoted(b)
		}
		r.br.Discard(len(line))
		r.fastLines++
		line = trimEOL(line)
		if len(line) == 0 {
			continue
		}
		return r.split(b, line), nil
	}
}

// peekLine returns the next whole line, its end of line included, without
// consuming it; ok is false when encoding/csv must read it: it holds a
// quote, is longer than the buffer, or the delimiter is not one byte. It
// reads no more than it needs to find the end of the line, so a slow
// stream (a pipe) yields its lines as they come, as with encoding/csv.
func (r *CSVReader) peekLine() (line []byte, ok bool, err error) {
	if r.delim >= utf8.RuneSelf {
		return nil, false, nil
	}
	buf, _ := r.br.Peek(r.br.Buffered())
	for from := 0; ; {
		if i := bytes.IndexByte(buf[from:], '\n'); i >= 0 {
			line = buf[:from+i+1]
			break
		}
		if len(buf) == r.br.Size() {
			return nil, false, nil // longer than the buffer
		}
		from = len(buf)
		_, err := r.br.Peek(from + 1)
		// Reading may have moved the buffered bytes: look again.
		buf, _ = r.br.Peek(r.br.Buffered())
		if err != nil {
			if err != io.EOF {
				return nil, false, err
			}
			if from == 0 {
				return nil, false, io.EOF
			}
			line = buf // the last line has no end of line
			break
		}
	}
	return line, bytes.IndexByte(line, '"') < 0, nil
}

// trimEOL drops "\n" or "\r\n", or a "\r" that ends the input.
func trimEOL(line []byte) []byte {
	n := len(line)
	switch {
	case n >= 2 && line[n-2] == '\r' && line[n-1] == '\n':
		return line[:n-2]
	case n >= 1 && (line[n-1] == '\n' || line[n-1] == '\r'):
		return line[:n-1]
	}
	return line
}

// split appends the fields of an unquoted line to b and returns how many
// there were.
func (r *CSVReader) split(b *batch, line []byte) int {
	d := byte(r.delim)
	n := 0
	for {
		i := bytes.IndexByte(line, d)
		if i < 0 {
			b.text = append(b.text, line...)
			b.ends = append(b.ends, len(b.text))
			b.lines = append(b.lines, r.csvLines+r.fastLines)
			return n + 1
		}
		b.text = append(b.text, line[:i]...)
		b.ends = append(b.ends, len(b.text))
		line = line[i+1:]
		n++
	}
}

// readQuoted reads one record with encoding/csv.
func (r *CSVReader) readQuoted(b *batch) (int, error) {
	rec, line, err := r.readCSV()
	if err != nil {
		return 0, err
	}
	b.addRecord(rec, line)
	return len(rec), nil
}

// readCSV reads a record with encoding/csv and returns the line it starts
// on. encoding/csv counts only the lines it reads itself, so the lines the
// fast path took are added to its line numbers, in errors too.
func (r *CSVReader) readCSV() (rec []string, line int, err error) {
	rec, err = r.csv.Read()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			pe.StartLine += r.fastLines
			pe.Line += r.fastLines
		}
		return nil, 0, err
	}
	start, _ := r.csv.FieldPos(0)
	// The record ends on its last field's line plus the line breaks inside
	// that field (encoding/csv turns each "\r\n" in a quoted field into "\n").
	last, _ := r.csv.FieldPos(len(rec) - 1)
	r.csvLines = last + strings.Count(rec[len(rec)-1], "\n")
	return rec, start + r.fastLines, nil
}
