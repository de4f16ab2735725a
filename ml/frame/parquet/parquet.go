// Package parquet reads and writes frame.Frame values as Apache Parquet
// files, keeping each column's kind: floats as DOUBLE, ints as INT64, bools
// as BOOLEAN, categoricals as dictionary-encoded UTF-8 strings and times as
// nanosecond UTC timestamps, every column optional so that missing values
// survive. It wraps github.com/parquet-go/parquet-go and lives beside the
// frame package, not in it, so that frame (and the serving build, which
// links frame) stays standard-library only.
package parquet

import "errors"

// Magic starts and ends every Parquet file.
const Magic = "PAR1"

// MaxFileBytes bounds the files Read accepts; the whole file is held in
// memory while it is decoded.
const MaxFileBytes = 4 << 30

// errNotParquet is returned for input without Parquet's magic bytes.
var errNotParquet = errors.New("not a Parquet file (no PAR1 magic at its start and end)")
