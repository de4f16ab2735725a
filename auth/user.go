package auth

import (
	"context"
	"time"
)

// User is an account. PasswordHash is never sent to anyone.
type User struct {
	ID           int64
	Username     string
	PasswordHash string
	IsAdmin      bool
}

// Grant is one user's permission on one resource.
type Grant struct {
	UserID       int64
	ResourceType string // Experiment or RegisteredModel
	ResourceID   string // experiment ID or registered model name
	Permission   Permission
}

// Token is a credential for machines (MLFLOW_TRACKING_TOKEN) or a browser
// session. Only the SHA-256 of its secret is stored.
type Token struct {
	ID        int64
	UserID    int64
	Name      string
	Scopes    []string // ScopeRead, ScopeWrite, ScopeSession
	Hash      []byte   // SHA-256 of the secret
	CreatedAt time.Time
	ExpiresAt time.Time // zero: never
}

// Store keeps users, grants and tokens. Missing users, grants and tokens are
// *weir.Error RESOURCE_DOES_NOT_EXIST; duplicates RESOURCE_ALREADY_EXISTS.
type Store interface {
	CreateUser(ctx context.Context, username, passwordHash string, isAdmin bool) (*User, error)
	GetUser(ctx context.Context, username string) (*User, error)
	GetUserByID(ctx context.Context, id int64) (*User, error)
	ListUsers(ctx context.Context) ([]*User, error)
	UpdateUserPassword(ctx context.Context, username, passwordHash string) error
	UpdateUserAdmin(ctx context.Context, username string, isAdmin bool) error
	// DeleteUser removes the user with its grants and tokens.
	DeleteUser(ctx context.Context, username string) error

	CreateGrant(ctx context.Context, g Grant) error
	// GetGrant returns the user's grant on the resource, or a
	// RESOURCE_DOES_NOT_EXIST error.
	GetGrant(ctx context.Context, userID int64, resourceType, resourceID string) (*Grant, error)
	UpdateGrant(ctx context.Context, g Grant) error
	DeleteGrant(ctx context.Context, userID int64, resourceType, resourceID string) error
	// ListGrants returns every grant of the user on resources of the type.
	ListGrants(ctx context.Context, userID int64, resourceType string) ([]Grant, error)
	// ListResourceGrants returns every grant on one resource.
	ListResourceGrants(ctx context.Context, resourceType, resourceID string) ([]Grant, error)
	// RenameResource moves every grant on a resource to its new ID (a
	// registered model's new name).
	RenameResource(ctx context.Context, resourceType, oldID, newID string) error
	// DeleteResourceGrants removes every grant on a resource.
	DeleteResourceGrants(ctx context.Context, resourceType, resourceID string) error

	CreateToken(ctx context.Context, t *Token) error
	// TokenByHash finds a token by the SHA-256 of its secret.
	TokenByHash(ctx context.Context, hash []byte) (*Token, error)
	ListTokens(ctx context.Context, userID int64) ([]*Token, error)
	DeleteToken(ctx context.Context, userID, id int64) error
}
