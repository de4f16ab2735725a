package serve

import (
	"mime"
	"net/http"
	"strings"
	"time"
)

// mediaType checks an /invocations Content-Type as MLflow does: the media
// type before ';' must be JSON or CSV, and charset (utf-8) is the only
// parameter allowed. It returns "json" or "csv", or the text of a 415.
func mediaType(header string) (kind, refusal string) {
	typ, params, err := mime.ParseMediaType(header)
	if err != nil {
		typ = strings.ToLower(strings.TrimSpace(strings.SplitN(header, ";", 2)[0]))
		params = nil
	}
	for k, v := range params {
		if k != "charset" {
			return "", "Unrecognized content type parameters: " + k + "."
		}
		if !strings.EqualFold(v, "utf-8") {
			return "", "The scoring server only supports UTF-8"
		}
	}
	switch typ {
	case "application/json":
		return "json", ""
	case "text/csv":
		return "csv", ""
	}
	return "", "This predictor only supports the following content types: Types: ['application/json', 'text/csv']. Got '" + header + "'."
}

// keepsNothing reports whether m keeps no part of the rows it predicts or
// of the predictions it writes once Predict returns: PredictorModel, and
// ScorerModel, whose Scorers score rows in Score and copy what they
// answer.
func keepsNothing(m Model) bool {
	switch m.(type) {
	case *PredictorModel, *ScorerModel:
		return true
	}
	return false
}

// invocations is MLflow's scoring endpoint.
func (s *Server) invocations(w http.ResponseWriter, r *http.Request) {
	kind, refusal := mediaType(r.Header.Get("Content-Type"))
	if refusal != "" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusUnsupportedMediaType)
		w.Write([]byte(refusal))
		return
	}
	strict := s.StrictColumns
	s.score(w, r, false, func(m *served, body []byte, id string, out []byte, res *reservation) ([]byte, error) {
		start := time.Now()
		// The rows and predictions are garbage once answered unless the
		// inference log or the drift monitor keeps them, or a Model other
		// than PredictorModel and ScorerModel (which keep nothing) might.
		var rb *rowsBuf
		if keepsNothing(m.Model) && s.InferenceLog == nil && s.Drift == nil {
			rb = rowsPool.Get().(*rowsBuf)
			defer rb.release()
		}
		var rows [][]any
		var err error
		if kind == "csv" {
			if err = res.take(valueBound(body, true)*costCSV + int64(len(body))); err == nil {
				rows, err = m.schema.decodeCSV(body, strict)
			}
		} else {
			rows, err = m.schema.decodeJSON(body, strict, rb, res)
		}
		s.Metrics.stage(stageDecode, time.Since(start))
		if err != nil {
			return nil, err
		}
		preds, err := s.predictInto(m, rows, id, rb.predictions(len(rows)))
		if err != nil {
			return nil, err
		}
		start = time.Now()
		b := appendPredictions(out, &m.Output, preds)
		s.Metrics.stage(stageEncode, time.Since(start))
		return b, nil
	})
}
