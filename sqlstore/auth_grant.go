package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/auth"
)

func noGrant(g auth.Grant) error {
	return weir.Errorf(weir.ErrResourceDoesNotExist,
		"Permission for user_id=%d on resource_type=%s, resource_id=%s not found.", g.UserID, g.ResourceType, g.ResourceID)
}

// CreateGrant adds a grant; the user must have none on the resource.
func (s *AuthStore) CreateGrant(ctx context.Context, g auth.Grant) error {
	return s.db.writeTx(ctx, func(tx *txn) error {
		var n int
		if err := tx.scanOne(ctx, `SELECT COUNT(*) FROM auth_grants WHERE user_id = ? AND resource_type = ? AND resource_id = ?`,
			[]any{g.UserID, g.ResourceType, g.ResourceID}, &n); err != nil {
			return err
		}
		if n > 0 {
			return weir.Errorf(weir.ErrResourceAlreadyExists,
				"Permission for user_id=%d on resource_type=%s, resource_id=%s already exists.", g.UserID, g.ResourceType, g.ResourceID)
		}
		_, err := tx.exec(ctx, `INSERT INTO auth_grants (user_id, resource_type, resource_id, permission) VALUES (?, ?, ?, ?)`,
			g.UserID, g.ResourceType, g.ResourceID, string(g.Permission))
		return err
	})
}

// GetGrant returns a user's grant on a resource.
func (s *AuthStore) GetGrant(ctx context.Context, userID int64, resourceType, resourceID string) (*auth.Grant, error) {
	g := &auth.Grant{UserID: userID, ResourceType: resourceType, ResourceID: resourceID}
	err := s.db.readTx(ctx, func(tx *txn) error {
		var p string
		err := tx.scanOne(ctx, `SELECT permission FROM auth_grants WHERE user_id = ? AND resource_type = ? AND resource_id = ?`,
			[]any{userID, resourceType, resourceID}, &p)
		if errors.Is(err, sql.ErrNoRows) {
			return noGrant(*g)
		}
		g.Permission = auth.Permission(p)
		return err
	})
	if err != nil {
		return nil, err
	}
	return g, nil
}

// UpdateGrant changes an existing grant's permission.
func (s *AuthStore) UpdateGrant(ctx context.Context, g auth.Grant) error {
	return s.db.writeTx(ctx, func(tx *txn) error {
		res, err := tx.exec(ctx, `UPDATE auth_grants SET permission = ? WHERE user_id = ? AND resource_type = ? AND resource_id = ?`,
			string(g.Permission), g.UserID, g.ResourceType, g.ResourceID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return errors.Join(err, noGrant(g))
		}
		return nil
	})
}

// DeleteGrant removes a grant.
func (s *AuthStore) DeleteGrant(ctx context.Context, userID int64, resourceType, resourceID string) error {
	return s.db.writeTx(ctx, func(tx *txn) error {
		res, err := tx.exec(ctx, `DELETE FROM auth_grants WHERE user_id = ? AND resource_type = ? AND resource_id = ?`,
			userID, resourceType, resourceID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return errors.Join(err, noGrant(auth.Grant{UserID: userID, ResourceType: resourceType, ResourceID: resourceID}))
		}
		return nil
	})
}

func (s *AuthStore) listGrants(ctx context.Context, where string, args ...any) (gs []auth.Grant, err error) {
	err = s.db.readTx(ctx, func(tx *txn) error {
		return tx.each(ctx, `SELECT user_id, resource_type, resource_id, permission FROM auth_grants WHERE `+where+
			` ORDER BY user_id, resource_id`, args, func(rows *sql.Rows) error {
			var g auth.Grant
			var p string
			if err := rows.Scan(&g.UserID, &g.ResourceType, &g.ResourceID, &p); err != nil {
				return err
			}
			g.Permission = auth.Permission(p)
			gs = append(gs, g)
			return nil
		})
	})
	return gs, err
}

// ListGrants returns a user's grants on resources of one type.
func (s *AuthStore) ListGrants(ctx context.Context, userID int64, resourceType string) ([]auth.Grant, error) {
	return s.listGrants(ctx, `user_id = ? AND resource_type = ?`, userID, resourceType)
}

// ListResourceGrants returns every grant on one resource.
func (s *AuthStore) ListResourceGrants(ctx context.Context, resourceType, resourceID string) ([]auth.Grant, error) {
	return s.listGrants(ctx, `resource_type = ? AND resource_id = ?`, resourceType, resourceID)
}

// RenameResource moves the grants on a resource to its new ID. Grants
// already on the new ID (left by a deleted resource of that name) go.
func (s *AuthStore) RenameResource(ctx context.Context, resourceType, oldID, newID string) error {
	return s.db.writeTx(ctx, func(tx *txn) error {
		if _, err := tx.exec(ctx, `DELETE FROM auth_grants WHERE resource_type = ? AND resource_id = ?`, resourceType, newID); err != nil {
			return err
		}
		_, err := tx.exec(ctx, `UPDATE auth_grants SET resource_id = ? WHERE resource_type = ? AND resource_id = ?`, newID, resourceType, oldID)
		return err
	})
}

// DeleteResourceGrants removes every grant on a resource.
func (s *AuthStore) DeleteResourceGrants(ctx context.Context, resourceType, resourceID string) error {
	return s.db.writeTx(ctx, func(tx *txn) error {
		_, err := tx.exec(ctx, `DELETE FROM auth_grants WHERE resource_type = ? AND resource_id = ?`, resourceType, resourceID)
		return err
	})
}
