package dataio

import (
	"fmt"
	"strings"
)

// Format is a data file format, chosen by extension.
type Format int

// The formats Weir reads and writes.
const (
	CSV Format = iota + 1
	JSONL
	Parquet
)

var formatNames = map[Format]string{CSV: "csv", JSONL: "jsonl", Parquet: "parquet"}

// String returns the format's name.
func (f Format) String() string {
	if s, ok := formatNames[f]; ok {
		return s
	}
	return fmt.Sprintf("Format(%d)", int(f))
}

// Ext returns the extension files of format f carry, with its dot.
func (f Format) Ext() string { return "." + f.String() }

// FormatError is a name whose extension names no format Weir reads: the
// caller's mistake (exit code 2 in the CLI), unlike a failed read.
type FormatError struct {
	Name string
}

func (e *FormatError) Error() string {
	return fmt.Sprintf("%s: unknown data format: want a .csv, .jsonl (or .json) or .parquet file, or a directory or s3:// prefix holding them", e.Name)
}

// FormatOf returns the format of name from its extension (case-insensitive;
// .json is read as JSON lines, .tsv and .txt as delimited text).
func FormatOf(name string) (Format, error) {
	f, ok := formatOf(name)
	if !ok {
		return 0, &FormatError{Name: name}
	}
	return f, nil
}

func formatOf(name string) (Format, bool) {
	n := strings.ToLower(name)
	switch {
	case strings.HasSuffix(n, ".csv"), strings.HasSuffix(n, ".tsv"), strings.HasSuffix(n, ".txt"):
		return CSV, true
	case strings.HasSuffix(n, ".jsonl"), strings.HasSuffix(n, ".json"), strings.HasSuffix(n, ".ndjson"):
		return JSONL, true
	case strings.HasSuffix(n, ".parquet"), strings.HasSuffix(n, ".pq"):
		return Parquet, true
	}
	return 0, false
}

// HasExt reports whether the last element of name has an extension, of a
// known format or not: an object key with one names a file, one without
// names a prefix.
func HasExt(name string) bool { return hasExt(name) }

func hasExt(name string) bool {
	base := name[strings.LastIndex(name, "/")+1:]
	i := strings.LastIndex(base, ".")
	return i > 0 && i < len(base)-1
}
