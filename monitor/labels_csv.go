package monitor

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"

	"github.com/weir-ml/weir"
)

// ReadLabelsCSV reads ground truth as a headed CSV with columns request_id,
// label and optionally row (default 0), in any order; labels are 0/1,
// yes/no or true/false, whatever the case.
func ReadLabelsCSV(r io.Reader) (map[LabelKey]float64, error) {
	cr := csv.NewReader(r)
	head, err := cr.Read()
	if err != nil {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "labels: reading the header: %v", err)
	}
	idx := map[string]int{}
	for i, h := range head {
		idx[strings.TrimSpace(strings.ToLower(h))] = i
	}
	id, okID := idx["request_id"]
	lab, okLab := idx["label"]
	row, okRow := idx["row"]
	if !okID || !okLab {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "labels: header %v lacks request_id or label", head)
	}
	out := map[LabelKey]float64{}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, weir.Errorf(weir.ErrInvalidParameterValue, "labels: %v", err)
		}
		k := LabelKey{RequestID: rec[id]}
		if okRow && rec[row] != "" {
			if k.Row, err = strconv.Atoi(rec[row]); err != nil {
				return nil, weir.Errorf(weir.ErrInvalidParameterValue, "labels line %d: row %q is not an integer", line, rec[row])
			}
		}
		switch strings.ToLower(strings.TrimSpace(rec[lab])) {
		case "1", "yes", "true":
			out[k] = 1
		case "0", "no", "false":
			out[k] = 0
		default:
			return nil, weir.Errorf(weir.ErrInvalidParameterValue, "labels line %d: label %q is not 0/1, yes/no or true/false", line, rec[lab])
		}
	}
}
