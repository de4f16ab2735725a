package auth

import (
	"context"
	"time"
)

// SessionCookie names the browser session cookie the login page sets.
const SessionCookie = "weir_session"

// SessionLifetime is how long a login lasts.
const SessionLifetime = 12 * time.Hour

// Login checks a username and password from client and opens a browser
// session: a token with the session scope whose secret goes in the
// cookie. It returns ErrBadCredentials or ErrTooManyAttempts like
// Authenticate.
func (s *Service) Login(ctx context.Context, username, password, client string) (string, *Token, error) {
	u, err := s.Authenticate(ctx, username, password, client)
	if err != nil {
		return "", nil, err
	}
	return s.CreateToken(ctx, u, "login session", []string{ScopeSession}, SessionLifetime)
}

// Logout ends the session whose secret is given; an unknown one is
// already ended.
func (s *Service) Logout(ctx context.Context, secret string) error {
	u, t, err := s.AuthenticateToken(ctx, secret)
	if err != nil {
		return nil
	}
	return s.RevokeToken(ctx, u, t.ID)
}

type userKey struct{}

// WithUser returns ctx carrying the authenticated user of a request.
func WithUser(ctx context.Context, u *User) context.Context {
	return context.WithValue(ctx, userKey{}, u)
}

// UserFrom returns the authenticated user in ctx, or nil.
func UserFrom(ctx context.Context) *User {
	u, _ := ctx.Value(userKey{}).(*User)
	return u
}
