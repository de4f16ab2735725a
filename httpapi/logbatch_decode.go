package httpapi

import (
	"bytes"
	"encoding/json"
)

// logBatchRequest is the body of runs/log-batch.
type logBatchRequest struct {
	runRef
	Metrics []batchMetric `json:"metrics"`
	Params  []batchPair   `json:"params"`
	Tags    []batchPair   `json:"tags"`
}

// decodeLogBatch decodes a log-batch body in the shape every client sends
// (one object with the lower-case keys run_id, run_uuid, metrics, params
// and tags, each at most once, the lists arrays or null) without
// encoding/json's reflection: after json.Valid, the same check Unmarshal
// makes first, it splits the lists itself and hands each element to the
// same UnmarshalJSON as Unmarshal would. On a 1000-metric batch that was
// most of the decoding time. Any other shape returns false, and the caller
// decodes with encoding/json, whose answers (case-insensitive keys,
// repeated keys, type errors) stay the reference.
func decodeLogBatch(body []byte, req *logBatchRequest) bool {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' || !json.Valid(body) {
		return false
	}
	var seen [5]bool
	i := skipSpace(body, 1)
	for i < len(body) && body[i] == '"' {
		end := scanString(body, i)
		key := body[i+1 : end-1]     // a key with escapes matches none below
		i = skipSpace(body, end) + 1 // past the colon, which json.Valid vouched for
		start := skipSpace(body, i)
		var k int
		var ok bool
		switch string(key) {
		case "run_id", "run_uuid":
			end = scanValue(body, start)
			f := &req.RunID
			if k, ok = 0, true; len(key) == len("run_uuid") {
				k, f = 1, &req.RunUUID
			}
			f.UnmarshalJSON(body[start:end])
		case "metrics":
			k = 2
			var slab []wireMetricFields
			end, ok = splitArray(body, start, func(el []byte) {
				// As batchMetric.UnmarshalJSON, with the fields taken from
				// a slab rather than allocated one by one.
				if len(slab) == 0 {
					slab = make([]wireMetricFields, 128)
				}
				req.Metrics = append(req.Metrics, batchMetric{wireMetricFields: &slab[0]})
				slab = slab[1:]
				m := &req.Metrics[len(req.Metrics)-1] // in place: a local would escape
				m.bad = decodeFlat(el, m)
			})
			if ok && req.Metrics == nil && body[start] == '[' {
				req.Metrics = []batchMetric{} // [] is an empty list, null none, as in encoding/json
			}
		case "params", "tags":
			k = 3
			list := &req.Params
			if key[0] == 't' {
				k, list = 4, &req.Tags
			}
			end, ok = splitArray(body, start, func(el []byte) {
				*list = append(*list, batchPair{})
				(*list)[len(*list)-1].UnmarshalJSON(el)
			})
			if ok && *list == nil && body[start] == '[' {
				*list = []batchPair{}
			}
		}
		if !ok {
			return false
		}
		if seen[k] {
			return false
		}
		seen[k] = true
		i = skipSpace(body, end)
		if i < len(body) && body[i] == ',' {
			i = skipSpace(body, i+1)
		}
	}
	return true
}

// splitArray calls f with each element of the array that starts at b[i]
// in the valid JSON b, and returns the index just past it; null is an empty
// list. Any other value returns false.
func splitArray(b []byte, i int, f func(el []byte)) (end int, ok bool) {
	if bytes.HasPrefix(b[i:], []byte("null")) {
		return i + len("null"), true
	}
	if i >= len(b) || b[i] != '[' {
		return i, false
	}
	i = skipSpace(b, i+1)
	for i < len(b) && b[i] != ']' {
		end := scanValue(b, i)
		f(b[i:end])
		i = skipSpace(b, end)
		if i < len(b) && b[i] == ',' {
			i = skipSpace(b, i+1)
		}
	}
	return i + 1, true
}
