package auth

import (
	"context"

	"github.com/weir-ml/weir"
)

// CreateUser creates a non-admin user after MLflow's checks: a non-empty
// username and a password of at least MinPasswordLength characters.
func (s *Service) CreateUser(ctx context.Context, username, password string) (*User, error) {
	return s.createUser(ctx, username, password, false)
}

func (s *Service) createUser(ctx context.Context, username, password string, admin bool) (*User, error) {
	if username == "" {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "Username cannot be empty.")
	}
	if err := ValidatePassword(password); err != nil {
		return nil, err
	}
	h, err := HashPassword(password)
	if err != nil {
		return nil, err
	}
	return s.Store.CreateUser(ctx, username, h, admin)
}

// UpdateUserPassword sets a user's password.
func (s *Service) UpdateUserPassword(ctx context.Context, username, password string) error {
	if err := ValidatePassword(password); err != nil {
		return err
	}
	u, err := s.Store.GetUser(ctx, username)
	if err != nil {
		return err
	}
	h, err := HashPassword(password)
	if err != nil {
		return err
	}
	defer s.forget(username, u.ID)
	return s.Store.UpdateUserPassword(ctx, username, h)
}

// UpdateUserAdmin makes a user an admin or takes it away.
func (s *Service) UpdateUserAdmin(ctx context.Context, username string, isAdmin bool) error {
	u, err := s.Store.GetUser(ctx, username)
	if err != nil {
		return err
	}
	defer s.forget(username, u.ID)
	return s.Store.UpdateUserAdmin(ctx, username, isAdmin)
}

// DeleteUser deletes a user with its grants and tokens.
func (s *Service) DeleteUser(ctx context.Context, username string) error {
	u, err := s.Store.GetUser(ctx, username)
	if err != nil {
		return err
	}
	defer s.forget(username, u.ID)
	return s.Store.DeleteUser(ctx, username)
}
