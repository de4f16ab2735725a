package monitor

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/weir-ml/weir"
)

// ReadLabelsCSV reads ground truth as a headed CSV with columns request_id,
// label and optionally row (default 0), in any order; labels are 0/1,
// yes/no or true/false, whatever the case.
func ReadLabelsCSV(r io.Reader) (map[LabelKey]float64, error) {
	labels, _, err := ReadLabelEventsCSV(r)
	return labels, err
}

// ReadLabelEventsCSV is ReadLabelsCSV that also reads an optional column
// time: when each labelled row's event happened (RFC 3339, or a date
// 2006-01-02 read as midnight UTC). Replayed or backfilled traffic is served
// long after its events, so the serving time cannot place it in windows;
// JoinEventTimes puts these times on the predictions instead. Rows with an
// empty time have none; times is nil when the column is absent.
func ReadLabelEventsCSV(r io.Reader) (labels map[LabelKey]float64, times map[LabelKey]time.Time, err error) {
	cr := csv.NewReader(r)
	head, err := cr.Read()
	if err != nil {
		return nil, nil, weir.Errorf(weir.ErrInvalidParameterValue, "labels: reading the header: %v", err)
	}
	idx := map[string]int{}
	for i, h := range head {
		idx[strings.TrimSpace(strings.ToLower(h))] = i
	}
	id, okID := idx["request_id"]
	lab, okLab := idx["label"]
	row, okRow := idx["row"]
	at, okTime := idx["time"]
	if okTime {
		times = map[LabelKey]time.Time{}
	}
	if !okID || !okLab {
		return nil, nil, weir.Errorf(weir.ErrInvalidParameterValue, "labels: header %q lacks request_id or label", strings.Join(head, ","))
	}
	out := map[LabelKey]float64{}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			return out, times, nil
		}
		if err != nil {
			return nil, nil, weir.Errorf(weir.ErrInvalidParameterValue, "labels: %v", err)
		}
		k := LabelKey{RequestID: rec[id]}
		if okRow && rec[row] != "" {
			if k.Row, err = strconv.Atoi(rec[row]); err != nil {
				return nil, nil, weir.Errorf(weir.ErrInvalidParameterValue, "labels line %d: row %q is not an integer", line, rec[row])
			}
		}
		if okTime && rec[at] != "" {
			if times[k], err = parseEventTime(rec[at]); err != nil {
				return nil, nil, weir.Errorf(weir.ErrInvalidParameterValue, "labels line %d: time %q is neither RFC 3339 nor a date 2006-01-02", line, rec[at])
			}
		}
		switch strings.ToLower(strings.TrimSpace(rec[lab])) {
		case "1", "yes", "true":
			out[k] = 1
		case "0", "no", "false":
			out[k] = 0
		default:
			return nil, nil, weir.Errorf(weir.ErrInvalidParameterValue, "labels line %d: label %q is not 0/1, yes/no or true/false", line, rec[lab])
		}
	}
}

func parseEventTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	return time.Parse(time.DateOnly, s)
}

// ParseTime reads an event time as people write it in a table: RFC 3339, a
// date and time (2006-01-02 15:04:05 or 2006-01-02T15:04), a date, or a
// year, read as its first moment in UTC.
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := parseEventTime(s); err == nil {
		return t, nil
	}
	for _, layout := range []string{time.DateTime, "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02T15:04", "2006-01"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	if y, err := strconv.Atoi(s); err == nil && y >= 1000 && y <= 9999 {
		return time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC), nil
	}
	return time.Time{}, weir.Errorf(weir.ErrInvalidParameterValue, "%q is not a time: want RFC 3339, a date 2006-01-02 or a year", s)
}
