package httpapi

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/weir-ml/weir"
)

// authParams are the parameters of a users or permissions request, read as
// MLflow's auth app reads them: the query string, and for other methods
// than GET the JSON object body on top.
type authParams map[string]any

func readAuthParams(r *http.Request) (authParams, error) {
	p := authParams{}
	for k, v := range r.URL.Query() {
		if len(v) > 0 {
			p[k] = v[0]
		}
	}
	if r.Method == http.MethodGet {
		return p, nil
	}
	err := decodeWith(r, func(body []byte) error {
		if len(body) == 0 {
			return nil
		}
		var obj map[string]any
		if err := json.Unmarshal(body, &obj); err != nil {
			return weir.Errorf(weir.ErrBadRequest, "The request body must be a JSON object.")
		}
		for k, v := range obj {
			p[k] = v
		}
		return nil
	})
	return p, err
}

func missingParam(name string) error {
	return weir.Errorf(weir.ErrInvalidParameterValue,
		"Missing value for required parameter '%s'. See the API docs for more information about request parameters.", name)
}

// str returns a required string parameter; numbers are taken as their
// decimal text (experiment IDs arrive both ways).
func (p authParams) str(name string) (string, error) {
	v, ok := p[name]
	if !ok || v == nil {
		return "", missingParam(name)
	}
	switch v := v.(type) {
	case string:
		return v, nil
	case float64:
		if v == float64(int64(v)) {
			return strconv.FormatInt(int64(v), 10), nil
		}
	}
	return "", weir.Errorf(weir.ErrInvalidParameterValue, "Parameter '%s' must be a string.", name)
}

// boolean returns a required boolean parameter, also given as "true" or
// "false".
func (p authParams) boolean(name string) (bool, error) {
	v, ok := p[name]
	if !ok || v == nil {
		return false, missingParam(name)
	}
	switch v := v.(type) {
	case bool:
		return v, nil
	case string:
		if b, err := strconv.ParseBool(v); err == nil {
			return b, nil
		}
	}
	return false, weir.Errorf(weir.ErrInvalidParameterValue, "Parameter '%s' must be true or false.", name)
}

// optStr returns an optional string parameter, "" when absent.
func (p authParams) optStr(name string) string {
	s, _ := p[name].(string)
	return s
}
