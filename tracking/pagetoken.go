package tracking

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/weir-ml/weir"
)

// Page tokens are base64 of the JSON object {"offset": N}, the same shape
// MLflow's server emits, so a token from either server reads the same. Only
// the server decodes them; clients pass them back unread.

// EncodePageToken returns the opaque token for the page that starts at
// offset.
func EncodePageToken(offset int) string {
	return base64.StdEncoding.EncodeToString([]byte(`{"offset": ` + strconv.Itoa(offset) + `}`))
}

// DecodePageToken returns the offset held by a token from EncodePageToken.
// The empty token is offset 0. A token that is not one of ours gives
// INVALID_PARAMETER_VALUE "Invalid page token ...".
func DecodePageToken(token string) (offset int, err error) {
	if token == "" {
		return 0, nil
	}
	raw, ok := decodeBase64(token)
	if !ok {
		return 0, weir.Errorf(weir.ErrInvalidParameterValue, "Invalid page token, could not base64-decode")
	}
	var parsed map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&parsed); err != nil || dec.More() {
		return 0, weir.Errorf(weir.ErrInvalidParameterValue, "Invalid page token, decoded value=%q", raw)
	}
	field, ok := parsed["offset"]
	if !ok {
		return 0, weir.Errorf(weir.ErrInvalidParameterValue, "Invalid page token, parsed value=%s: no offset", raw)
	}
	// MLflow's server reads the offset with int(), so a string of digits is
	// accepted as well as a number.
	text := strings.Trim(string(field), `"`)
	n, err := strconv.Atoi(text)
	if err != nil || n < 0 {
		return 0, weir.Errorf(weir.ErrInvalidParameterValue, "Invalid page token, offset %s is not a non-negative integer", field)
	}
	return n, nil
}

// decodeBase64 accepts standard and URL-safe base64, padded or not, since
// tokens travel in query strings where clients may re-encode them.
func decodeBase64(s string) ([]byte, bool) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, true
		}
	}
	return nil, false
}
