package sqlstore

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"math"
	"strconv"

	"github.com/weir-ml/weir/tracking"
)

// A metric history page token is MLflow's {"offset": N} plus the last
// point of the page, as the primary key orders it:
//
//	{"offset": 25000, "after": {"r": "<run>", "k": "loss", "s": 24999, "t": 1700000024999, "v": 0.999, "n": 0}}
//
// The next page starts after that point by index instead of skipping N
// rows, so reading a million points 25,000 at a time reads each row once,
// not twenty times on average. The token needs no server state; a token
// of another run or key, or without "after", pages by offset.

// historyKeyset is the stored form of the last point of a page: NaN as
// value 0 with is_nan 1.
type historyKeyset struct {
	RunID     string  `json:"r"`
	Key       string  `json:"k"`
	Step      int64   `json:"s"`
	Timestamp int64   `json:"t"`
	Value     float64 `json:"v"`
	IsNaN     int     `json:"n"`
}

// encodeHistoryToken returns the token of the page after offset points of
// mq's history, the last of which is last.
func encodeHistoryToken(offset int, mq tracking.MetricHistoryQuery, last *tracking.Metric) string {
	v, isNaN := storedValue(last.Value)
	if math.IsInf(v, 0) { // not a JSON number
		return tracking.EncodePageToken(offset)
	}
	after, err := json.Marshal(historyKeyset{RunID: mq.RunID, Key: mq.Key, Step: last.Step, Timestamp: last.Timestamp, Value: v, IsNaN: isNaN})
	if err != nil {
		return tracking.EncodePageToken(offset)
	}
	return base64.StdEncoding.EncodeToString([]byte(`{"offset": ` + strconv.Itoa(offset) + `, "after": ` + string(after) + `}`))
}

// decodeHistoryKeyset returns the last point of the previous page that
// mq's token holds, if it holds one for mq's run and key.
func decodeHistoryKeyset(mq tracking.MetricHistoryQuery) *historyKeyset {
	if mq.PageToken == "" {
		return nil
	}
	var raw []byte
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(mq.PageToken); err == nil {
			raw = b
			break
		}
	}
	var t struct {
		After *historyKeyset `json:"after"`
	}
	if err := json.NewDecoder(bytes.NewReader(raw)).Decode(&t); err != nil || t.After == nil {
		return nil
	}
	if k := t.After; k.RunID != mq.RunID || k.Key != mq.Key || (k.IsNaN != 0 && k.IsNaN != 1) {
		return nil
	}
	return t.After
}
