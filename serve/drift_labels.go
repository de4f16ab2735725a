package serve

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/monitor"
)

// Label records ground truth for rows still in the window, matched by
// request id and row, and returns how many it matched. Rows already pushed
// out of the window are not kept: the CLI (weir monitor labels) joins
// labels with the whole inference log instead.
func (d *DriftMonitor) Label(labels map[monitor.LabelKey]float64) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := 0
	for i := range d.filled {
		j := (d.next - d.filled + i + len(d.rows)) % len(d.rows)
		if y, ok := labels[d.keys[j]]; ok {
			d.labels[j] = y
			n++
		}
	}
	return n
}

// postLabels answers POST /labels: ground truth as CSV (text/csv;
// request_id,row,label) or JSON lines ({"request_id","row","label"}),
// joined to the rows of the drift window for the live ROC AUC gauge.
func (s *Server) postLabels(w http.ResponseWriter, r *http.Request) {
	if s.Drift == nil {
		writeMLflowError(w, http.StatusNotFound, weir.ErrEndpointNotFound, "POST /labels needs drift monitoring: serve the model with a reference profile")
		return
	}
	// Labels count against the memory budget too: their body, and the map
	// it becomes (a few times its size).
	res := &reservation{b: s.budget}
	defer res.release()
	raw, err := io.ReadAll(&budgetReader{r: http.MaxBytesReader(w, r.Body, s.MaxBodyBytes), res: res, factor: labelsCost})
	var be *budgetError
	if errors.As(err, &be) {
		f := budgetFailure(be)
		if f.status == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "1")
		}
		writeMLflowError(w, f.status, f.code, f.msg)
		return
	}
	if tooBig := (*http.MaxBytesError)(nil); errors.As(err, &tooBig) {
		writeMLflowError(w, http.StatusRequestEntityTooLarge, weir.ErrInvalidParameterValue, "labels body larger than the server accepts")
		return
	} else if err != nil {
		writeMLflowError(w, http.StatusBadRequest, weir.ErrBadRequest, "reading the labels body failed")
		return
	}
	var labels map[monitor.LabelKey]float64
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct == "text/csv" {
		labels, err = monitor.ReadLabelsCSV(bytes.NewReader(raw))
	} else {
		labels, err = monitor.ReadLabels(bytes.NewReader(raw))
	}
	if err != nil {
		writeMLflowError(w, http.StatusBadRequest, weir.ErrInvalidParameterValue, weir.ErrorMessage(err))
		return
	}
	b, _ := json.Marshal(map[string]int{"labels": len(labels), "matched": s.Drift.Label(labels)})
	writeBody(w, http.StatusOK, append(b, '\n'))
}
