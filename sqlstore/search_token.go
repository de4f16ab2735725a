package sqlstore

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"hash/fnv"
	"math"
	"strconv"
	"strings"

	"github.com/weir-ml/weir/tracking"
)

// A SearchRuns page token is MLflow's {"offset": N}, which any server (and
// MLflow's own) reads the same, plus where the page ended in the order of
// the walk that answered it:
//
//	{"offset": 200, "after": {"q": "9f1c...", "t": 1700000123000, "id": "ab12...", "v": 0.93}}
//
// The next page then starts from that run, by index, instead of skipping
// offset rows, so page 100 costs what page 1 does. The token holds all it
// needs, so any replica of the server can answer it. q fingerprints the
// search the token belongs to; a token used with another search, or one
// without "after", falls back to the offset.

// keyset is the position of the last run of a page: its start time and id,
// and for a search ordered by one metric the run's value of it.
type keyset struct {
	Search string   `json:"q"`
	Start  int64    `json:"t"`
	RunID  string   `json:"id"`
	Value  *float64 `json:"v,omitempty"`
}

// searchFingerprint identifies a search apart from its page: experiments,
// view, filter and order.
func searchFingerprint(rs tracking.RunSearch) string {
	h := fnv.New64a()
	for _, part := range [][]string{rs.ExperimentIDs, {strconv.Itoa(int(rs.ViewType)), rs.Filter}, rs.OrderBy} {
		h.Write([]byte(strings.Join(part, "\x00")))
		h.Write([]byte{0xff})
	}
	return strconv.FormatUint(h.Sum64(), 16)
}

// decodeKeyset returns the keyset of a valid token (tracking.DecodePageToken
// has checked it) when it belongs to the search search, else nil.
func decodeKeyset(token, search string) *keyset {
	if token == "" {
		return nil
	}
	var raw []byte
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(token); err == nil {
			raw = b
			break
		}
	}
	var t struct {
		After *keyset `json:"after"`
	}
	if err := json.NewDecoder(bytes.NewReader(raw)).Decode(&t); err != nil || t.After == nil {
		return nil
	}
	if t.After.Search != search || tracking.ValidateRunID(t.After.RunID) != nil {
		return nil
	}
	if v := t.After.Value; v != nil && (math.IsNaN(*v) || math.IsInf(*v, 0)) {
		return nil
	}
	return t.After
}

// encodeRunsToken returns the token of the page after offset+limit runs,
// whose last run is last, for a search in order (see keyset).
func encodeRunsToken(offset int, search string, order []tracking.OrderKey, last *tracking.Run) string {
	k := keyset{Search: search, Start: last.Info.StartTime, RunID: last.Info.RunID}
	switch {
	case len(order) == 0:
	case len(order) == 1 && order[0].Entity == tracking.EntityMetric:
		for _, m := range last.Data.Metrics {
			if m.Key == order[0].Key && !math.IsNaN(m.Value) && !math.IsInf(m.Value, 0) {
				v := m.Value
				k.Value = &v
			}
		}
		if k.Value == nil {
			return tracking.EncodePageToken(offset)
		}
	default:
		return tracking.EncodePageToken(offset)
	}
	after, err := json.Marshal(k)
	if err != nil {
		return tracking.EncodePageToken(offset)
	}
	return base64.StdEncoding.EncodeToString([]byte(`{"offset": ` + strconv.Itoa(offset) + `, "after": ` + string(after) + `}`))
}

// afterStart adds to q the condition that a run, whose start time and id
// are in the columns start and id, comes after k in start_time DESC,
// run_uuid order.
func afterStart(q *query, k *keyset, start, id string) {
	q.add(` AND (`+start+` < ? OR (`+start+` = ? AND `+id+` > ?))`, k.Start, k.Start, k.RunID)
}
