package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/tracking"
)

// Client is a tracking.Service backed by an MLflow-compatible tracking
// server (Weir's or MLflow's) over HTTP. Errors the server reports come back
// as *weir.Error with the server's error code and message.
type Client struct {
	// BaseURL is the server's URL, such as "http://127.0.0.1:5000".
	BaseURL string
	// HTTPClient sends the requests; NewClient sets one with a timeout.
	HTTPClient *http.Client
	// Token, when set, is sent as a bearer token (MLflow's
	// MLFLOW_TRACKING_TOKEN).
	Token string
	// Username and Password, when Username is set, are sent as HTTP basic
	// auth (MLflow's MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD).
	Username, Password string
}

var _ tracking.Service = (*Client)(nil)

// NewClient returns a Client for the server at baseURL.
func NewClient(baseURL string) *Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	// mlflow server (uvicorn) closes idle keep-alive connections after five
	// seconds; a POST sent on one just as it closes fails with EOF and, not
	// being idempotent, is not retried. Dropping idle connections sooner
	// avoids the race for callers that pause between requests.
	t.IdleConnTimeout = 2 * time.Second
	// A server that never answers fails the call; bodies (artifact
	// transfers) may take as long as they need, bounded by the context.
	t.ResponseHeaderTimeout = 2 * time.Minute
	return &Client{
		BaseURL:    strings.TrimRight(baseURL, "/"),
		HTTPClient: &http.Client{Transport: t},
	}
}

// maxErrorBody bounds how much of an error response is read.
const maxErrorBody = 64 << 10

// post sends body (a JSON object) to an /api/2.0 path and decodes the
// response object into out, when out is not nil.
func (c *Client) post(ctx context.Context, path string, body []byte, out any) error {
	return c.do(ctx, http.MethodPost, path, nil, body, out)
}

// get sends query to an /api/2.0 path and decodes the response into out.
func (c *Client) get(ctx context.Context, path string, query url.Values, out any) error {
	return c.do(ctx, http.MethodGet, path, query, nil, out)
}

func (c *Client) do(ctx context.Context, method, path string, query url.Values, body []byte, out any) (err error) {
	defer weir.Wrap(&err, "%s %s", method, path)
	u := c.BaseURL + "/api/2.0" + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	switch {
	case c.Token != "":
		req.Header.Set("Authorization", "Bearer "+c.Token)
	case c.Username != "":
		req.SetBasicAuth(c.Username, c.Password)
	}
	hc := c.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		return decodeError(resp.StatusCode, b)
	}
	if out == nil {
		_, err = io.Copy(io.Discard, resp.Body)
		return err
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return weir.Errorf(weir.ErrInternal, "Malformed response from the tracking server: %v", err)
	}
	return nil
}

// decodeError turns an error response into a *weir.Error: MLflow's error
// JSON keeps its code and message; anything else gets the code MLflow's
// client derives from the HTTP status and the body as the message.
func decodeError(status int, body []byte) error {
	var e struct {
		Code    string `json:"error_code"`
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &e) == nil && e.Code != "" && !isDigits(e.Code) {
		return &weir.Error{Code: e.Code, Message: e.Message}
	}
	msg := strings.TrimSpace(string(body))
	if msg == "" {
		msg = http.StatusText(status)
	}
	return &weir.Error{Code: codeForStatus(status), Message: msg}
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// body builds a JSON request object with fn.
func body(fn func(w *jsonWriter)) []byte {
	w := jsonWriter{b: make([]byte, 0, 256)}
	w.openObject()
	fn(&w)
	w.closeObject()
	return w.b
}
