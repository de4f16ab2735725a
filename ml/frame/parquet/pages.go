package parquet

import (
	"fmt"
	"io"

	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

// MaxPageBytes bounds the uncompressed size of one page. Writers keep pages
// near 1 MiB; a header declaring gigabytes is a corrupt or hostile file,
// and parquet-go would allocate the declared size before reading a byte.
const MaxPageBytes = 256 << 20

// checkPages walks the page headers of every column chunk before
// parquet-go decodes them, refusing sizes the chunk cannot hold and counts
// its row group cannot have: parquet-go sizes its buffers from those
// headers, so a few flipped bytes could otherwise ask for gigabytes.
func checkPages(r io.ReaderAt, size int64, md *format.FileMetaData, maxDef []int) error {
	var proto thrift.CompactProtocol
	for g, rg := range md.RowGroups {
		for j, cc := range rg.Columns {
			m := cc.MetaData
			start := m.DataPageOffset
			if m.DictionaryPageOffset > 0 && m.DictionaryPageOffset < start {
				start = m.DictionaryPageOffset
			}
			end := start + m.TotalCompressedSize
			if start < int64(len(Magic)) || m.TotalCompressedSize < 0 || end > size-8 || end < start {
				return fmt.Errorf("parquet: row group %d, column %d: chunk at bytes %d to %d lies outside the %d-byte file", g, j, start, end, size)
			}
			buf := make([]byte, end-start)
			if _, err := r.ReadAt(buf, start); err != nil {
				return fmt.Errorf("parquet: row group %d, column %d: %w", g, j, err)
			}
			for pos := 0; pos < len(buf); {
				rd := proto.NewReaderFromBytes(buf[pos:])
				var h format.PageHeader
				if err := thrift.NewDecoder(rd).Decode(&h); err != nil {
					return fmt.Errorf("parquet: row group %d, column %d: page header at byte %d: %w", g, j, start+int64(pos), err)
				}
				pos += rd.BytesRead()
				if err := checkPageHeader(&h, len(buf)-pos, rg.NumRows); err != nil {
					return fmt.Errorf("parquet: row group %d, column %d: page at byte %d: %w", g, j, start+int64(pos), err)
				}
				page := buf[pos : pos+int(h.CompressedPageSize)]
				if j < len(maxDef) {
					if err := checkRuns(&h, page, m.Codec, maxDef[j]); err != nil {
						return fmt.Errorf("parquet: row group %d, column %d: page at byte %d: %w", g, j, start+int64(pos), err)
					}
				}
				pos += int(h.CompressedPageSize)
			}
		}
	}
	return nil
}

// checkPageHeader checks one page's declared sizes against the bytes left
// in its chunk, MaxPageBytes and its row group's rows.
func checkPageHeader(h *format.PageHeader, left int, rows int64) error {
	switch {
	case h.CompressedPageSize < 0 || int(h.CompressedPageSize) > left:
		return fmt.Errorf("declares %d compressed bytes with %d left in its chunk", h.CompressedPageSize, left)
	case h.UncompressedPageSize < 0 || h.UncompressedPageSize > MaxPageBytes:
		return fmt.Errorf("declares %d uncompressed bytes (at most %d are read)", h.UncompressedPageSize, MaxPageBytes)
	}
	if d := h.DataPageHeader; d.Valid && (d.V.NumValues < 0 || int64(d.V.NumValues) > rows) {
		return fmt.Errorf("declares %d values in a row group of %d rows", d.V.NumValues, rows)
	}
	if d := h.DataPageHeaderV2; d.Valid {
		v := d.V
		if v.NumValues < 0 || int64(v.NumValues) > rows || v.NumRows < 0 || int64(v.NumRows) > rows || v.NumNulls < 0 || v.NumNulls > v.NumValues ||
			v.DefinitionLevelsByteLength < 0 || v.RepetitionLevelsByteLength < 0 ||
			int64(v.DefinitionLevelsByteLength)+int64(v.RepetitionLevelsByteLength) > int64(h.CompressedPageSize) {
			return fmt.Errorf("declares %d values, %d rows, %d nulls in a row group of %d rows", v.NumValues, v.NumRows, v.NumNulls, rows)
		}
	}
	if d := h.DictionaryPageHeader; d.Valid && (d.V.NumValues < 0 || d.V.NumValues > h.UncompressedPageSize) {
		return fmt.Errorf("declares a dictionary of %d values in %d bytes", d.V.NumValues, h.UncompressedPageSize)
	}
	return nil
}
