package sqlstore

import (
	"encoding/base64"
	"encoding/json"
	"slices"

	weir "github.com/weir-ml/weir"
	"github.com/weir-ml/weir/tracking"
)

// loggedModelToken is the page token of a logged-model search. Like
// MLflow's, it carries the query as well as the offset, so that a token is
// refused when it comes back with another query, whose pages it does not
// index. The offset field is the same as in other searches' tokens.
type loggedModelToken struct {
	Offset        int                         `json:"offset"`
	ExperimentIDs []string                    `json:"experiment_ids"`
	Filter        string                      `json:"filter_string,omitempty"`
	OrderBy       []tracking.LoggedModelOrder `json:"order_by,omitempty"`
}

// encodeLoggedModelToken returns the token for the page of s at offset.
func encodeLoggedModelToken(offset int, s tracking.LoggedModelSearch) (string, error) {
	b, err := json.Marshal(loggedModelToken{Offset: offset, ExperimentIDs: s.ExperimentIDs, Filter: s.Filter, OrderBy: s.OrderBy})
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

// decodeLoggedModelToken returns the offset of a token from
// encodeLoggedModelToken made for the same query as s.
func decodeLoggedModelToken(s tracking.LoggedModelSearch) (int, error) {
	offset, err := tracking.DecodePageToken(s.PageToken)
	if err != nil || s.PageToken == "" {
		return offset, err
	}
	raw, err := base64.StdEncoding.DecodeString(s.PageToken)
	var tok loggedModelToken
	if err != nil || json.Unmarshal(raw, &tok) != nil {
		return 0, weir.Errorf(weir.ErrInvalidParameterValue, "Invalid page token: %s", s.PageToken)
	}
	switch {
	case !slices.Equal(tok.ExperimentIDs, s.ExperimentIDs):
		return 0, weir.Errorf(weir.ErrInvalidParameterValue,
			"Experiment IDs in the page token do not match the requested experiment IDs. Expected: %v. Found: %v", s.ExperimentIDs, tok.ExperimentIDs)
	case tok.Filter != s.Filter:
		return 0, weir.Errorf(weir.ErrInvalidParameterValue,
			"Filter string in the page token does not match the requested filter string. Expected: %s. Found: %s", s.Filter, tok.Filter)
	case !slices.Equal(tok.OrderBy, s.OrderBy):
		return 0, weir.Errorf(weir.ErrInvalidParameterValue,
			"Order by in the page token does not match the requested order by. Expected: %v. Found: %v", s.OrderBy, tok.OrderBy)
	}
	return offset, nil
}
