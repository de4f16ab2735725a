package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/auth"
)

// createToken is Weir's POST /api/2.0/weir/tokens/create: it makes an API
// token for the caller, to use as MLFLOW_TRACKING_TOKEN. Body: name,
// scopes (["read"] or ["read", "write"], the default) and
// expires_in_seconds (default and maximum 366 days). The secret is in the
// answer only. A token cannot make tokens, so that a read-only token
// cannot mint a writing one.
func (s *Server) createToken(w *jsonWriter, r *http.Request) error {
	pr := principalFrom(r.Context())
	if pr.Token != nil && !pr.cookie {
		return weir.Errorf(weir.ErrPermissionDenied, "Tokens are created with a password or a login session, not with another token.")
	}
	p, err := readAuthParams(r)
	if err != nil {
		return err
	}
	var scopes []string
	if raw, ok := p["scopes"].([]any); ok {
		for _, x := range raw {
			sc, ok := x.(string)
			if !ok {
				return weir.Errorf(weir.ErrInvalidParameterValue, "Parameter 'scopes' must be a list of strings.")
			}
			scopes = append(scopes, sc)
		}
	} else if p["scopes"] != nil {
		return weir.Errorf(weir.ErrInvalidParameterValue, "Parameter 'scopes' must be a list of strings.")
	}
	if scopes, err = auth.ParseScopes(scopes); err != nil {
		return err
	}
	var ttl time.Duration
	if v, ok := p["expires_in_seconds"]; ok {
		f, ok := v.(float64)
		if !ok || f < 1 || f != float64(int64(f)) {
			return weir.Errorf(weir.ErrInvalidParameterValue, "Parameter 'expires_in_seconds' must be a positive whole number.")
		}
		ttl = time.Duration(f) * time.Second
	}
	secret, t, err := s.Auth.CreateToken(r.Context(), pr.User, p.optStr("name"), scopes, ttl)
	if err != nil {
		return err
	}
	w.openObject()
	w.objectField("token")
	writeToken(w, t)
	w.closeObject()
	w.stringField("secret", secret)
	w.closeObject()
	return nil
}

func writeToken(w *jsonWriter, t *auth.Token) {
	w.intField("id", t.ID)
	w.stringField("name", t.Name)
	w.stringList("scopes", t.Scopes)
	w.intField("creation_time", t.CreatedAt.UnixMilli())
	if !t.ExpiresAt.IsZero() {
		w.intField("expiration_time", t.ExpiresAt.UnixMilli())
	}
}

// listTokens lists the caller's API tokens (not its login sessions).
func (s *Server) listTokens(w *jsonWriter, r *http.Request) error {
	pr := principalFrom(r.Context())
	ts, err := s.Auth.Store.ListTokens(r.Context(), pr.User.ID)
	if err != nil {
		return err
	}
	w.openObject()
	w.arrayField("tokens")
	for _, t := range ts {
		if t.HasScope(auth.ScopeSession) {
			continue
		}
		w.element()
		writeToken(w, t)
		w.closeObject()
	}
	w.closeArray()
	w.closeObject()
	return nil
}

// deleteToken revokes one of the caller's tokens by id.
func (s *Server) deleteToken(w *jsonWriter, r *http.Request) error {
	p, err := readAuthParams(r)
	if err != nil {
		return err
	}
	raw, err := p.str("id")
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		return weir.Errorf(weir.ErrInvalidParameterValue, "Parameter 'id' must be a token id.")
	}
	return s.Auth.RevokeToken(r.Context(), principalFrom(r.Context()).User, id)
}
