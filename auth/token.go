package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"slices"
	"strings"
	"time"

	"github.com/weir-ml/weir"
)

// Token scopes. A read token may only read; a write token may do what its
// user may; a session token is a browser's login cookie.
const (
	ScopeRead    = "read"
	ScopeWrite   = "write"
	ScopeSession = "session"
)

// tokenPrefix marks Weir's tokens so that a leaked one is recognisable.
const tokenPrefix = "weir_"

// NewTokenSecret returns a fresh secret (256 random bits) and its hash.
func NewTokenSecret() (secret string, hash []byte) {
	var b [32]byte
	rand.Read(b[:]) // never fails (crypto/rand panics instead)
	secret = tokenPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	return secret, HashToken(secret)
}

// HashToken is the stored form of a token secret.
func HashToken(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// ParseScopes checks the scopes of a new API token; none means read and
// write.
func ParseScopes(scopes []string) ([]string, error) {
	if len(scopes) == 0 {
		return []string{ScopeRead, ScopeWrite}, nil
	}
	var out []string
	for _, s := range scopes {
		s = strings.TrimSpace(s)
		if s != ScopeRead && s != ScopeWrite {
			return nil, weir.Errorf(weir.ErrInvalidParameterValue,
				"Invalid token scope '%s'. Valid scopes are: read, write.", s)
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out, nil
}

// Expired reports whether t has expired at now.
func (t *Token) Expired(now time.Time) bool {
	return !t.ExpiresAt.IsZero() && !now.Before(t.ExpiresAt)
}

// HasScope reports whether t carries scope.
func (t *Token) HasScope(scope string) bool { return slices.Contains(t.Scopes, scope) }
