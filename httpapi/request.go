package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"strings"
	"sync"

	"github.com/weir-ml/weir"
)

// decode fills dst, a struct whose fields are the types of fields.go, from r
// as MLflow's server reads requests: a GET with a query string takes its
// fields from the query, where repeated names the fields that are lists
// (run_ids=a&run_ids=b) and every other field takes its first value; any
// other request takes a JSON object body. POST and PUT bodies must be
// declared application/json; an empty body is {}; a body that is a JSON
// string holding JSON (old clients double-encode) is decoded twice.
func decode(r *http.Request, dst any, repeated ...string) error {
	if r.Method == http.MethodGet && r.URL.RawQuery != "" {
		return decodeQuery(r, dst, repeated)
	}
	return decodeWith(r, func(body []byte) error { return decodeBody(body, dst) })
}

// decodeWith checks a request's content type, reads its body into a pooled
// buffer and hands it to f, which must not keep it.
func decodeWith(r *http.Request, f func(body []byte) error) error {
	if r.Method == http.MethodPost || r.Method == http.MethodPut {
		if err := checkContentType(r.Header.Get("Content-Type")); err != nil {
			return err
		}
	}
	buf := bodyPool.Get().(*bytes.Buffer)
	defer putBody(buf)
	buf.Reset()
	if n := sizeHint(r); n > 0 {
		buf.Grow(n + 1) // once, rather than doubling as it reads
	}
	if _, err := buf.ReadFrom(r.Body); err != nil {
		return bodyError(err) // limits_body.go
	}
	if err := checkJSONString(buf.Bytes()); err != nil { // limits_json.go
		return err
	}
	return f(buf.Bytes())
}

var bodyPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func putBody(buf *bytes.Buffer) {
	if buf.Cap() <= maxPooledBuffer {
		bodyPool.Put(buf)
	}
}

// decodeBody decodes a JSON request body into dst.
func decodeBody(body []byte, dst any) error {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || string(body) == "null" {
		return nil
	}
	if body[0] == '"' {
		var inner string
		if err := json.Unmarshal(body, &inner); err != nil {
			return malformed(err)
		}
		body = bytes.TrimSpace([]byte(inner))
		if len(body) == 0 {
			return nil
		}
	}
	if body[0] != '{' {
		return weir.Errorf(weir.ErrInvalidParameterValue, "Malformed request body: expected a JSON object.")
	}
	if err := json.Unmarshal(body, dst); err != nil {
		return typeError(body, err)
	}
	return nil
}

// typeError reports a list field holding something else (the only type
// error left, since the scalar field types take any JSON) as MLflow words
// it, naming the top-level field and quoting its value.
func typeError(body []byte, err error) error {
	var typ *json.UnmarshalTypeError
	if !errors.As(err, &typ) || typ.Field == "" {
		return malformed(err)
	}
	name, _, _ := strings.Cut(typ.Field, ".")
	var fields map[string]json.RawMessage
	if json.Unmarshal(body, &fields) != nil || fields[name] == nil {
		return malformed(err)
	}
	var v validator
	v.badType(name, fields[name])
	return v.err
}

func malformed(err error) error {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return weir.Errorf(weir.ErrInvalidParameterValue, "Malformed JSON request body at byte %d: %s.", syn.Offset, syn.Error())
	}
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		return weir.Errorf(weir.ErrInvalidParameterValue, "Malformed request body: field %q cannot hold a JSON %s.", typ.Field, typ.Value)
	}
	return weir.Errorf(weir.ErrInvalidParameterValue, "Malformed JSON request body.")
}

// checkContentType requires application/json, with any parameters.
func checkContentType(ct string) error {
	if ct == "" {
		return weir.Errorf(weir.ErrInvalidParameterValue, "Bad Request. Content-Type header is missing.")
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/json" {
		return weir.Errorf(weir.ErrInvalidParameterValue, "Bad Request. Content-Type must be one of ['application/json'].")
	}
	return nil
}

// decodeQuery turns a query string into the JSON object a POST would carry,
// every value a string, and decodes that: the field types accept numbers
// written as strings, as protobuf's JSON parser does.
func decodeQuery(r *http.Request, dst any, repeated []string) error {
	q := r.URL.Query()
	w := getWriter()
	defer putWriter(w)
	w.openObject()
	for name, vals := range q {
		if len(vals) == 0 {
			continue
		}
		w.comma()
		w.b = append(appendJSONString(w.b, name), ':')
		if contains(repeated, name) {
			w.openArray()
			for _, v := range vals {
				w.stringValue(v)
			}
			w.closeArray()
			continue
		}
		w.b = appendJSONString(w.b, vals[0])
	}
	w.closeObject()
	if err := json.Unmarshal(w.b, dst); err != nil {
		return typeError(w.b, err)
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
