package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/auth"
)

// AuthStore keeps users, grants and tokens (auth.Store) in the tracking
// database, in the tables of migration 0005_auth.
type AuthStore struct {
	db *DB
}

var _ auth.Store = (*AuthStore)(nil)

// NewAuthStore returns an AuthStore on an open DB.
func NewAuthStore(db *DB) *AuthStore { return &AuthStore{db: db} }

func noUser(username string) error {
	return weir.Errorf(weir.ErrResourceDoesNotExist, "User with username=%s not found", username)
}

const userColumns = `id, username, password_hash, is_admin`

func scanUser(tx *txn, ctx context.Context, where string, arg any) (*auth.User, error) {
	u := &auth.User{}
	err := tx.scanOne(ctx, `SELECT `+userColumns+` FROM auth_users WHERE `+where, []any{arg},
		&u.ID, &u.Username, &u.PasswordHash, &u.IsAdmin)
	return u, err
}

// CreateUser adds a user; the username must be new.
func (s *AuthStore) CreateUser(ctx context.Context, username, passwordHash string, isAdmin bool) (*auth.User, error) {
	u := &auth.User{Username: username, PasswordHash: passwordHash, IsAdmin: isAdmin}
	err := s.db.writeTx(ctx, func(tx *txn) error {
		var n int
		if err := tx.scanOne(ctx, `SELECT COUNT(*) FROM auth_users WHERE username = ?`, []any{username}, &n); err != nil {
			return err
		}
		if n > 0 {
			return weir.Errorf(weir.ErrResourceAlreadyExists, "User (username=%s) already exists.", username)
		}
		return tx.scanOne(ctx, `INSERT INTO auth_users (username, password_hash, is_admin) VALUES (?, ?, ?) RETURNING id`,
			[]any{username, passwordHash, isAdmin}, &u.ID)
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// GetUser finds a user by name.
func (s *AuthStore) GetUser(ctx context.Context, username string) (u *auth.User, err error) {
	err = s.db.readTx(ctx, func(tx *txn) error {
		u, err = scanUser(tx, ctx, `username = ?`, username)
		if errors.Is(err, sql.ErrNoRows) {
			return noUser(username)
		}
		return err
	})
	return u, err
}

// GetUserByID finds a user by ID.
func (s *AuthStore) GetUserByID(ctx context.Context, id int64) (u *auth.User, err error) {
	err = s.db.readTx(ctx, func(tx *txn) error {
		u, err = scanUser(tx, ctx, `id = ?`, id)
		if errors.Is(err, sql.ErrNoRows) {
			return weir.Errorf(weir.ErrResourceDoesNotExist, "User with id=%d not found", id)
		}
		return err
	})
	return u, err
}

// ListUsers returns every user, by name.
func (s *AuthStore) ListUsers(ctx context.Context) (users []*auth.User, err error) {
	err = s.db.readTx(ctx, func(tx *txn) error {
		return tx.each(ctx, `SELECT `+userColumns+` FROM auth_users ORDER BY username`, nil, func(rows *sql.Rows) error {
			u := &auth.User{}
			if err := rows.Scan(&u.ID, &u.Username, &u.PasswordHash, &u.IsAdmin); err != nil {
				return err
			}
			users = append(users, u)
			return nil
		})
	})
	return users, err
}

// updateUser runs one UPDATE on a user's row and reports a missing user.
func (s *AuthStore) updateUser(ctx context.Context, username, set string, arg any) error {
	return s.db.writeTx(ctx, func(tx *txn) error {
		res, err := tx.exec(ctx, `UPDATE auth_users SET `+set+` = ? WHERE username = ?`, arg, username)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return errors.Join(err, noUser(username))
		}
		return nil
	})
}

// UpdateUserPassword replaces a user's password hash.
func (s *AuthStore) UpdateUserPassword(ctx context.Context, username, passwordHash string) error {
	return s.updateUser(ctx, username, "password_hash", passwordHash)
}

// UpdateUserAdmin sets whether a user is an admin.
func (s *AuthStore) UpdateUserAdmin(ctx context.Context, username string, isAdmin bool) error {
	return s.updateUser(ctx, username, "is_admin", isAdmin)
}

// DeleteUser removes a user, its grants and its tokens.
func (s *AuthStore) DeleteUser(ctx context.Context, username string) error {
	return s.db.writeTx(ctx, func(tx *txn) error {
		u, err := scanUser(tx, ctx, `username = ?`, username)
		if errors.Is(err, sql.ErrNoRows) {
			return noUser(username)
		}
		if err != nil {
			return err
		}
		for _, q := range []string{
			`DELETE FROM auth_grants WHERE user_id = ?`,
			`DELETE FROM auth_tokens WHERE user_id = ?`,
			`DELETE FROM auth_users WHERE id = ?`,
		} {
			if _, err := tx.exec(ctx, q, u.ID); err != nil {
				return err
			}
		}
		return nil
	})
}

// tokenTime converts between time.Time and the stored milliseconds, zero
// meaning none.
func tokenTime(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms)
}

func tokenMillis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// CreateToken stores a token and sets its ID. The user's expired tokens
// (ended login sessions, mostly) go at the same time, so they do not pile
// up.
func (s *AuthStore) CreateToken(ctx context.Context, t *auth.Token) error {
	return s.db.writeTx(ctx, func(tx *txn) error {
		if _, err := tx.exec(ctx, `DELETE FROM auth_tokens WHERE user_id = ? AND expires_at > 0 AND expires_at <= ?`,
			t.UserID, tokenMillis(t.CreatedAt)); err != nil {
			return err
		}
		return tx.scanOne(ctx, `INSERT INTO auth_tokens (user_id, name, scopes, hash, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
			[]any{t.UserID, t.Name, strings.Join(t.Scopes, " "), t.Hash, tokenMillis(t.CreatedAt), tokenMillis(t.ExpiresAt)}, &t.ID)
	})
}

const tokenColumns = `id, user_id, name, scopes, hash, created_at, expires_at`

func scanToken(sc interface{ Scan(...any) error }) (*auth.Token, error) {
	t := &auth.Token{}
	var scopes string
	var created, expires int64
	if err := sc.Scan(&t.ID, &t.UserID, &t.Name, &scopes, &t.Hash, &created, &expires); err != nil {
		return nil, err
	}
	t.Scopes = strings.Fields(scopes)
	t.CreatedAt, t.ExpiresAt = tokenTime(created), tokenTime(expires)
	return t, nil
}

// TokenByHash finds a token by the hash of its secret.
func (s *AuthStore) TokenByHash(ctx context.Context, hash []byte) (t *auth.Token, err error) {
	err = s.db.readTx(ctx, func(tx *txn) error {
		found := false
		err := tx.each(ctx, `SELECT `+tokenColumns+` FROM auth_tokens WHERE hash = ?`, []any{hash}, func(rows *sql.Rows) error {
			var err error
			t, err = scanToken(rows)
			found = err == nil
			return err
		})
		if err == nil && !found {
			return weir.Errorf(weir.ErrResourceDoesNotExist, "Token not found.")
		}
		return err
	})
	return t, err
}

// ListTokens returns a user's tokens, newest first.
func (s *AuthStore) ListTokens(ctx context.Context, userID int64) (ts []*auth.Token, err error) {
	err = s.db.readTx(ctx, func(tx *txn) error {
		return tx.each(ctx, `SELECT `+tokenColumns+` FROM auth_tokens WHERE user_id = ? ORDER BY id DESC`, []any{userID}, func(rows *sql.Rows) error {
			t, err := scanToken(rows)
			if err == nil {
				ts = append(ts, t)
			}
			return err
		})
	})
	return ts, err
}

// DeleteToken deletes one of a user's tokens.
func (s *AuthStore) DeleteToken(ctx context.Context, userID, id int64) error {
	return s.db.writeTx(ctx, func(tx *txn) error {
		res, err := tx.exec(ctx, `DELETE FROM auth_tokens WHERE user_id = ? AND id = ?`, userID, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return errors.Join(err, weir.Errorf(weir.ErrResourceDoesNotExist, "Token with id=%d not found.", id))
		}
		return nil
	})
}
