package parquet

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/snappy"
	"github.com/klauspost/compress/zstd"
	"github.com/parquet-go/parquet-go/format"
)

// errBadBody is a page whose body does not decompress to its declared size.
var errBadBody = errors.New("the page body does not decompress to the size its header declares")

// checkRuns scans the run headers of a data page's definition levels and
// dictionary indexes: parquet-go grows its output to whatever count a run
// header declares (up to 2^31), so a 4 KB file could make it allocate
// gigabytes. A page whose runs add up to more values than its header
// declares (plus the padding of one bit-packed group) is refused, and so
// is a page whose body does not decompress to its declared size.
func checkRuns(h *format.PageHeader, page []byte, codec format.CompressionCodec, maxDef int) error {
	switch h.Type {
	case format.DataPage:
		if !h.DataPageHeader.Valid {
			return nil
		}
		v := h.DataPageHeader.V
		data, ok := decompressed(page, codec, h.UncompressedPageSize)
		if !ok {
			return errBadBody
		}
		limit := int64(v.NumValues) + 8
		if maxDef > 0 {
			if v.DefinitionLevelEncoding != format.RLE || len(data) < 4 {
				return nil
			}
			n := int(binary.LittleEndian.Uint32(data))
			if n < 0 || n > len(data)-4 {
				return nil
			}
			if err := scanRuns(data[4:4+n], bitWidth(maxDef), limit, "definition levels"); err != nil {
				return err
			}
			data = data[4+n:]
		}
		return scanIndexes(v.Encoding, data, limit)
	case format.DictionaryPage:
		if _, ok := decompressed(page, codec, h.UncompressedPageSize); !ok {
			return errBadBody
		}
	case format.DataPageV2:
		if !h.DataPageHeaderV2.Valid {
			return nil
		}
		v := h.DataPageHeaderV2.V
		limit := int64(v.NumValues) + 8
		levels := int(v.RepetitionLevelsByteLength) + int(v.DefinitionLevelsByteLength)
		if levels > len(page) {
			return nil
		}
		if maxDef > 0 {
			def := page[v.RepetitionLevelsByteLength:levels]
			if err := scanRuns(def, bitWidth(maxDef), limit, "definition levels"); err != nil {
				return err
			}
		}
		data := page[levels:]
		if !v.IsCompressed.Valid || v.IsCompressed.V {
			var ok bool
			if data, ok = decompressed(data, codec, h.UncompressedPageSize-int32(levels)); !ok {
				return errBadBody
			}
		}
		return scanIndexes(v.Encoding, data, limit)
	}
	return nil
}

// decompressed returns the uncompressed page body, decoded with a bound
// of the size its header declares; ok is false when the body does not
// decode to exactly that size, which parquet-go would otherwise find out
// only after allocating what the stream asked for.
func decompressed(b []byte, codec format.CompressionCodec, declared int32) (out []byte, ok bool) {
	if declared < 0 || declared > MaxPageBytes {
		return nil, false
	}
	n := int(declared)
	switch codec {
	case format.Uncompressed:
		return b, len(b) == n
	case format.Snappy:
		if d, err := snappy.DecodedLen(b); err != nil || d != n {
			return nil, false
		}
		out, err := snappy.Decode(make([]byte, n), b)
		return out, err == nil && len(out) == n
	case format.Gzip:
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			return nil, false
		}
		out, err := io.ReadAll(io.LimitReader(zr, int64(n)+1))
		return out, err == nil && len(out) == n
	case format.Zstd:
		dec, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(uint64(max(n+1, 1<<20))))
		if err != nil {
			return nil, false
		}
		defer dec.Close()
		out, err := dec.DecodeAll(b, make([]byte, 0, n))
		return out, err == nil && len(out) == n
	}
	return nil, false
}

// readableCodec reports whether pages compressed with c are read: those
// whose output Read can bound before parquet-go decodes them.
func readableCodec(c format.CompressionCodec) bool {
	switch c {
	case format.Uncompressed, format.Snappy, format.Gzip, format.Zstd:
		return true
	}
	return false
}

// scanIndexes checks the runs of dictionary indexes: a bit width byte,
// then RLE/bit-packed runs.
func scanIndexes(enc format.Encoding, data []byte, limit int64) error {
	if enc != format.RLEDictionary && enc != format.PlainDictionary || len(data) < 1 {
		return nil
	}
	w := int(data[0])
	if w > 32 {
		return fmt.Errorf("dictionary indexes of %d bits", w)
	}
	return scanRuns(data[1:], w, limit, "dictionary indexes")
}

// scanRuns adds up the values the RLE/bit-packing hybrid runs in b declare
// and refuses more than limit. It stops quietly at a malformed header:
// parquet-go then reports that itself.
func scanRuns(b []byte, width int, limit int64, what string) error {
	var total int64
	for len(b) > 0 {
		h, n := binary.Uvarint(b)
		if n <= 0 {
			return nil
		}
		b = b[n:]
		var count, size int64
		if h&1 == 0 {
			count, size = int64(h>>1), int64((width+7)/8)
		} else {
			groups := int64(h >> 1)
			count, size = groups*8, groups*int64(width)
		}
		if count < 0 || total+count > limit || total+count < 0 {
			return fmt.Errorf("%s declare more than the page's %d values", what, limit-8)
		}
		total += count
		if size > int64(len(b)) {
			return nil
		}
		b = b[size:]
	}
	return nil
}

// bitWidth is the number of bits that hold levels up to max.
func bitWidth(max int) int {
	w := 0
	for ; max > 0; max >>= 1 {
		w++
	}
	return w
}
