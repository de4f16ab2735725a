package auth

import (
	"context"
	"time"

	"github.com/weir-ml/weir"
)

// MaxTokenLifetime bounds the lifetime of an API token.
const MaxTokenLifetime = 366 * 24 * time.Hour

// CreateToken makes a token for u and returns its secret, which is shown
// once and never stored. ttl 0 means MaxTokenLifetime.
func (s *Service) CreateToken(ctx context.Context, u *User, name string, scopes []string, ttl time.Duration) (string, *Token, error) {
	if ttl < 0 || ttl > MaxTokenLifetime {
		return "", nil, weir.Errorf(weir.ErrInvalidParameterValue,
			"Token lifetime must be between 1 second and %d days.", int(MaxTokenLifetime/(24*time.Hour)))
	}
	if ttl == 0 {
		ttl = MaxTokenLifetime
	}
	secret, hash := NewTokenSecret()
	now := s.now()
	t := &Token{UserID: u.ID, Name: name, Scopes: scopes, Hash: hash, CreatedAt: now, ExpiresAt: now.Add(ttl)}
	if err := s.Store.CreateToken(ctx, t); err != nil {
		return "", nil, err
	}
	return secret, t, nil
}

// RevokeToken deletes one of a user's tokens; it stops working at once.
func (s *Service) RevokeToken(ctx context.Context, u *User, id int64) error {
	defer s.forget(u.Username, u.ID)
	return s.Store.DeleteToken(ctx, u.ID, id)
}
