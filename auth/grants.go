package auth

import (
	"context"

	"github.com/weir-ml/weir"
)

// Permission returns u's permission on a resource: its grant, or
// DefaultPermission without one. Admins have MANAGE on everything.
func (s *Service) Permission(ctx context.Context, u *User, resourceType, id string) (Permission, error) {
	if u.IsAdmin {
		return Manage, nil
	}
	perms, err := s.userGrants(ctx, u.ID)
	if err != nil {
		return "", err
	}
	if p, ok := perms[[2]string{resourceType, id}]; ok {
		return p, nil
	}
	return s.DefaultPermission, nil
}

// Allowed reports whether u may do a to a resource.
func (s *Service) Allowed(ctx context.Context, u *User, resourceType, id string, a Action) (bool, error) {
	p, err := s.Permission(ctx, u, resourceType, id)
	if err != nil {
		return false, err
	}
	return p.Allows(a), nil
}

// userGrants returns u's grants, from the cache when fresh.
func (s *Service) userGrants(ctx context.Context, userID int64) (map[[2]string]Permission, error) {
	now := s.now()
	s.mu.Lock()
	e, ok := s.grants[userID]
	s.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.perms, nil
	}
	perms := map[[2]string]Permission{}
	for _, typ := range []string{Experiment, RegisteredModel} {
		gs, err := s.Store.ListGrants(ctx, userID, typ)
		if err != nil {
			return nil, err
		}
		for _, g := range gs {
			perms[[2]string{g.ResourceType, g.ResourceID}] = g.Permission
		}
	}
	s.mu.Lock()
	if s.grants == nil || len(s.grants) >= cacheCap {
		s.grants = map[int64]grantEntry{}
	}
	s.grants[userID] = grantEntry{perms: perms, expires: now.Add(s.CacheTTL)}
	s.mu.Unlock()
	return perms, nil
}

// dropGrants empties the grant cache, after a change to the grants.
func (s *Service) dropGrants() {
	s.mu.Lock()
	clear(s.grants)
	s.mu.Unlock()
}

// Grant gives a user a permission on a resource. It fails with
// RESOURCE_ALREADY_EXISTS when the user has one already.
func (s *Service) Grant(ctx context.Context, username, resourceType, id string, p Permission) error {
	u, err := s.Store.GetUser(ctx, username)
	if err != nil {
		return err
	}
	defer s.dropGrants()
	return s.Store.CreateGrant(ctx, Grant{UserID: u.ID, ResourceType: resourceType, ResourceID: id, Permission: p})
}

// GrantOwner gives the creator of a resource MANAGE on it, replacing any
// grant left on a resource of the same ID (a deleted model's name).
func (s *Service) GrantOwner(ctx context.Context, u *User, resourceType, id string) error {
	defer s.dropGrants()
	g := Grant{UserID: u.ID, ResourceType: resourceType, ResourceID: id, Permission: Manage}
	err := s.Store.CreateGrant(ctx, g)
	if weir.ErrorCode(err) == weir.ErrResourceAlreadyExists {
		return s.Store.UpdateGrant(ctx, g)
	}
	return err
}

// GetGrant returns a user's grant on a resource.
func (s *Service) GetGrant(ctx context.Context, username, resourceType, id string) (*Grant, error) {
	u, err := s.Store.GetUser(ctx, username)
	if err != nil {
		return nil, err
	}
	return s.Store.GetGrant(ctx, u.ID, resourceType, id)
}

// UpdateGrant changes a user's existing grant.
func (s *Service) UpdateGrant(ctx context.Context, username, resourceType, id string, p Permission) error {
	u, err := s.Store.GetUser(ctx, username)
	if err != nil {
		return err
	}
	defer s.dropGrants()
	return s.Store.UpdateGrant(ctx, Grant{UserID: u.ID, ResourceType: resourceType, ResourceID: id, Permission: p})
}

// Revoke deletes a user's grant on a resource.
func (s *Service) Revoke(ctx context.Context, username, resourceType, id string) error {
	u, err := s.Store.GetUser(ctx, username)
	if err != nil {
		return err
	}
	defer s.dropGrants()
	return s.Store.DeleteGrant(ctx, u.ID, resourceType, id)
}

// ResourceRenamed moves the grants of a renamed resource.
func (s *Service) ResourceRenamed(ctx context.Context, resourceType, oldID, newID string) error {
	defer s.dropGrants()
	return s.Store.RenameResource(ctx, resourceType, oldID, newID)
}

// ResourceDeleted drops the grants on a deleted resource, so that a new one
// of the same name does not inherit them.
func (s *Service) ResourceDeleted(ctx context.Context, resourceType, id string) error {
	defer s.dropGrants()
	return s.Store.DeleteResourceGrants(ctx, resourceType, id)
}
