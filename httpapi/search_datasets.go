package httpapi

import (
	"net/http"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/tracking"
)

// maxSearchDatasetExperiments bounds a search-datasets request, as MLflow's.
const maxSearchDatasetExperiments = 20

// searchDatasetSummaries is the UI's search-datasets endpoint
// (POST /ajax-api/2.0/mlflow/experiments/search-datasets): the datasets the
// experiments' runs used, with their context.
func (s *Server) searchDatasetSummaries(w *jsonWriter, r *http.Request) error {
	var req struct {
		ExperimentIDs []string `json:"experiment_ids"`
	}
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	switch n := len(req.ExperimentIDs); {
	case n == 0:
		return weir.Errorf(weir.ErrInvalidParameterValue, "SearchDatasets request must specify at least one experiment_id.")
	case n > maxSearchDatasetExperiments:
		return weir.Errorf(weir.ErrInvalidParameterValue,
			"SearchDatasets request cannot specify more than %d experiment_ids. Received %d experiment_ids.", maxSearchDatasetExperiments, n)
	}
	ds, ok := s.Tracking.(tracking.DatasetSummaryService)
	if !ok {
		return notServed(r)
	}
	sums, err := ds.SearchDatasetSummaries(r.Context(), req.ExperimentIDs)
	if err != nil {
		return err
	}
	w.openObject()
	w.arrayField("dataset_summaries")
	for _, d := range sums {
		w.element()
		w.stringField("experiment_id", d.ExperimentID)
		w.stringField("name", d.Name)
		w.stringField("digest", d.Digest)
		w.optStringField("context", d.Context)
		w.closeObject()
	}
	w.closeArray()
	w.closeObject()
	return nil
}
