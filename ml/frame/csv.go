package frame

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// DefaultMissing lists the field values CSVOptions treats as missing when its
// Missing field is nil.
var DefaultMissing = []string{"", "NA", "NaN", "null", "?"}

// DefaultBatchRows is the batch size of a CSVReader whose BatchRows is 0.
const DefaultBatchRows = 65536

// CSVOptions configures CSV reading. The zero value reads a headed file with
// a detected delimiter, the default missing tokens and inferred kinds.
type CSVOptions struct {
	// Delimiter separates fields; 0 detects one of ',' ';' '\t' '|' from the
	// first lines.
	Delimiter rune
	// NoHeader says the first line is data. Columns are then named by Names,
	// or "c1", "c2", ... when Names is nil.
	NoHeader bool
	// Names, when set, replaces the header's names (or names a headless file).
	Names []string
	// Missing lists field values read as missing. Nil means DefaultMissing;
	// an empty non-nil slice means no value is missing. Fields are compared
	// after CSV unquoting, so "" and an empty quoted field are both missing
	// by default.
	Missing []string
	// Kinds overrides type inference for the named columns. Naming a column
	// the file lacks is an error.
	Kinds map[string]Kind
	// BatchRows is how many rows a CSVReader yields per frame and the sample
	// that type inference reads; 0 means DefaultBatchRows.
	BatchRows int
}

// CSVReader reads a CSV stream as a sequence of frames of at most BatchRows
// rows, so memory stays proportional to the batch, not the file. Kinds are
// inferred from the first batch (with the overrides in CSVOptions); a later
// value that does not fit its column's kind is an error naming its line and
// column, except that an int column meeting a non-integer number becomes a
// float column from that batch on. Categorical columns share one growing
// dictionary across batches.
type CSVReader struct {
	opts    CSVOptions
	br      *bufio.Reader
	csv     *csv.Reader // reads from br the records the fast path leaves (see readRecord)
	delim   rune
	names   []string
	kinds   []Kind // 0 until the first batch is read
	dicts   []*dictionary
	missing missingSet
	pending []string // first data record when the file has no header line
	pendAt  int
	done    bool

	batch     batch // the records of the batch being read, reused
	fastLines int   // lines the fast path has read
	csvLines  int   // lines encoding/csv has read
}

// NewCSVReader reads the header of r (after a UTF-8 byte-order mark, if any)
// and returns a reader of its rows.
func NewCSVReader(r io.Reader, opts CSVOptions) (*CSVReader, error) {
	if opts.BatchRows < 0 {
		return nil, fmt.Errorf("csv: BatchRows %d is negative", opts.BatchRows)
	}
	if opts.BatchRows == 0 {
		opts.BatchRows = DefaultBatchRows
	}
	br := bufio.NewReaderSize(r, 64<<10)
	if b, err := br.Peek(3); err == nil && string(b) == "\ufeff" {
		br.Discard(3)
	}
	cr := &CSVReader{opts: opts, delim: opts.Delimiter, br: br}
	if cr.delim == 0 {
		head, _ := br.Peek(64 << 10) // a short read just means a small file
		cr.delim = detectDelimiter(head)
	}
	if cr.delim == '"' || cr.delim == '\r' || cr.delim == '\n' {
		return nil, fmt.Errorf("csv: invalid delimiter %q", cr.delim)
	}
	cr.csv = csv.NewReader(br)
	cr.csv.Comma = cr.delim
	cr.csv.FieldsPerRecord = -1 // checked here, to name both counts
	miss := opts.Missing
	if miss == nil {
		miss = DefaultMissing
	}
	cr.missing = newMissingSet(miss)
	if err := cr.readHeader(); err != nil {
		return nil, err
	}
	return cr, nil
}

func (r *CSVReader) readHeader() error {
	first, firstLine, err := r.readCSV()
	if errors.Is(err, io.EOF) {
		if r.opts.NoHeader && r.opts.Names != nil {
			r.names = r.opts.Names
			return r.checkNames()
		}
		return fmt.Errorf("csv: empty input: no header line")
	}
	if err != nil {
		return fmt.Errorf("csv: %w", err)
	}
	switch {
	case r.opts.Names != nil:
		r.names = r.opts.Names
	case r.opts.NoHeader:
		r.names = make([]string, len(first))
		for j := range first {
			r.names[j] = "c" + strconv.Itoa(j+1)
		}
	default:
		r.names = make([]string, len(first))
		for j, s := range first {
			r.names[j] = strings.Clone(s)
		}
	}
	if r.opts.NoHeader {
		r.pending = first
		r.pendAt = firstLine
	} else if len(first) != len(r.names) {
		return fmt.Errorf("csv: header has %d fields but %d names were given", len(first), len(r.names))
	}
	return r.checkNames()
}

func (r *CSVReader) checkNames() error {
	seen := make(map[string]bool, len(r.names))
	for j, n := range r.names {
		if n == "" {
			return fmt.Errorf("csv: column %d has an empty name", j+1)
		}
		if seen[n] {
			return fmt.Errorf("csv: duplicate column name %q", n)
		}
		seen[n] = true
	}
	for n, k := range r.opts.Kinds {
		if !seen[n] {
			return fmt.Errorf("csv: kind override for unknown column %q", n)
		}
		if _, ok := kindNames[k]; !ok {
			return fmt.Errorf("csv: invalid kind override %d for column %q", int(k), n)
		}
	}
	return nil
}

// Delimiter returns the field delimiter in use (given or detected).
func (r *CSVReader) Delimiter() rune { return r.delim }

// Names returns the column names.
func (r *CSVReader) Names() []string { return r.names }

// Schema returns the column names and kinds as of the last batch read. Before
// the first call to Next the kinds are those of the overrides, and 0 (invalid)
// for columns still to be inferred.
func (r *CSVReader) Schema() Schema {
	s := Schema{Fields: make([]Field, len(r.names))}
	for j, n := range r.names {
		s.Fields[j] = Field{Name: n}
		if r.kinds != nil {
			s.Fields[j].Kind = r.kinds[j]
		} else {
			s.Fields[j].Kind = r.opts.Kinds[n]
		}
	}
	return s
}

// Next returns the next batch of rows, or io.EOF when there are none left.
func (r *CSVReader) Next() (*Frame, error) {
	if r.done {
		return nil, io.EOF
	}
	b := &r.batch
	if err := r.readBatch(b); err != nil {
		r.done = true
		return nil, err
	}
	if b.rows() < r.opts.BatchRows {
		r.done = true
	}
	if b.rows() == 0 && r.kinds != nil {
		return nil, io.EOF
	}
	if r.kinds == nil {
		// Runs even for a header with no rows, which then yields one empty
		// frame so that ReadCSV still returns the columns.
		r.inferKinds(b)
	}
	return r.build(b)
}

func (r *CSVReader) readBatch(b *batch) error {
	b.reset(len(r.names))
	if r.pending != nil {
		if len(r.pending) != len(r.names) {
			return r.fieldCountError(r.pendAt, len(r.pending))
		}
		b.addRecord(r.pending, r.pendAt)
		r.pending = nil
	}
	for b.rows() < r.opts.BatchRows {
		n, err := r.readRecord(b)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("csv: %w", err)
		}
		if n != len(r.names) {
			return r.fieldCountError(b.lines[b.rows()-1], n)
		}
	}
	return nil
}

func (r *CSVReader) fieldCountError(line, got int) error {
	return fmt.Errorf("csv: line %d has %d fields, want %d (delimiter %q)", line, got, len(r.names), r.delim)
}

// ReadCSV reads all of r into one frame; see CSVReader for how kinds are
// inferred.
func ReadCSV(r io.Reader, opts CSVOptions) (*Frame, error) {
	cr, err := NewCSVReader(r, opts)
	if err != nil {
		return nil, err
	}
	var batches []*Frame
	for {
		f, err := cr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		batches = append(batches, f)
	}
	if len(batches) == 1 {
		return batches[0], nil
	}
	return Concat(batches...)
}

// ReadCSVFile reads the CSV file at path into one frame.
func ReadCSVFile(path string, opts CSVOptions) (f *Frame, err error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	f, err = ReadCSV(file, opts)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}

// missingSet matches the missing tokens. A handful of short tokens compare
// faster by length and bytes than through a map's hash, and this check runs
// once per field.
type missingSet struct {
	tokens []string
	maxLen int
}

func newMissingSet(tokens []string) missingSet {
	m := missingSet{tokens: tokens}
	for _, t := range tokens {
		m.maxLen = max(m.maxLen, len(t))
	}
	return m
}

func (m missingSet) has(b []byte) bool {
	if len(b) > m.maxLen {
		return false
	}
	for _, t := range m.tokens {
		if string(b) == t {
			return true
		}
	}
	return false
}
