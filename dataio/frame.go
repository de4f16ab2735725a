package dataio

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"os"

	"github.com/weir-ml/weir/ml/frame"
	"github.com/weir-ml/weir/ml/frame/parquet"
)

// ReadFrame reads the table at l: one CSV or Parquet file, or every CSV and
// Parquet file under a directory or prefix, stacked in name order (their
// columns must match; see frame.Concat). CSV kinds are inferred as
// frame.CSVReader does, with opts; Parquet keeps the file's types. JSON
// lines files are inference logs, not tables: ReadFrame refuses them.
func (st *Storage) ReadFrame(ctx context.Context, l Location, opts frame.CSVOptions) (*frame.Frame, error) {
	if !l.IsS3() || hasExt(l.Key) {
		if _, err := FormatOf(l.Name()); err != nil && (l.IsS3() || !isDir(l.Raw)) {
			return nil, err
		}
	}
	objs, err := st.List(ctx, l)
	if err != nil {
		return nil, err
	}
	var frames []*frame.Frame
	for _, o := range objs {
		f, err := st.readObjectFrame(ctx, o, opts)
		if err != nil {
			return nil, err
		}
		if f != nil {
			frames = append(frames, f)
		}
	}
	if len(frames) == 0 {
		return nil, fmt.Errorf("%s holds no .csv or .parquet table (JSON lines files are inference logs)", l)
	}
	if len(frames) == 1 {
		return frames[0], nil
	}
	f, err := frame.Concat(frames...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", l, err)
	}
	return f, nil
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

// readObjectFrame reads one file; JSON lines files give no frame (ReadFrame
// says so when nothing else is there).
func (st *Storage) readObjectFrame(ctx context.Context, o Object, opts frame.CSVOptions) (*frame.Frame, error) {
	format, err := FormatOf(o.Loc.Name())
	if err != nil {
		return nil, err
	}
	switch format {
	case Parquet:
		return st.readParquet(ctx, o)
	case CSV:
		rc, err := st.Open(ctx, o.Loc)
		if err != nil {
			return nil, err
		}
		defer rc.Close()
		f, err := frame.ReadCSV(rc, opts)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", o.Loc, err)
		}
		return f, nil
	}
	return nil, nil // JSON lines: an inference log, not a table
}

func (st *Storage) readParquet(ctx context.Context, o Object) (*frame.Frame, error) {
	if !o.Loc.IsS3() {
		// A local file is read in place, not copied into memory.
		file, err := os.Open(o.Loc.Raw)
		if err != nil {
			return nil, err
		}
		defer file.Close()
		fi, err := file.Stat()
		if err != nil {
			return nil, err
		}
		f, err := parquet.Read(file, fi.Size())
		if err != nil {
			return nil, fmt.Errorf("%s: %w", o.Loc, err)
		}
		return f, nil
	}
	b, err := st.ReadAll(ctx, o.Loc)
	if err != nil {
		return nil, err
	}
	f, err := parquet.ReadBytes(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", o.Loc, err)
	}
	return f, nil
}

// WriteFrame writes f to the file at l in the format of its extension:
// Parquet (types kept) or CSV (text, missing values as empty fields).
func (st *Storage) WriteFrame(ctx context.Context, l Location, f *frame.Frame) error {
	format, err := FormatOf(l.Name())
	if err != nil {
		return err
	}
	var b bytes.Buffer
	switch format {
	case Parquet:
		err = parquet.Write(&b, f)
	case CSV:
		err = writeCSV(&b, f)
	default:
		return fmt.Errorf("%s: a table is written as .csv or .parquet, not %s", l, format)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", l, err)
	}
	return st.Put(ctx, l, &b)
}

func writeCSV(w io.Writer, f *frame.Frame) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(f.Names()); err != nil {
		return err
	}
	rec := make([]string, f.NumCols())
	for i := range f.NumRows() {
		for j := range rec {
			rec[j] = f.ColumnAt(j).Text(i)
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
