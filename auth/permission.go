// Package auth holds Weir's users, passwords, tokens and permissions: the
// rules of MLflow's basic-auth app (READ, USE, EDIT, MANAGE and
// NO_PERMISSIONS on experiments and registered models, a default permission
// for resources without a grant, admins who may do anything) and the Store
// that keeps them. It knows nothing of HTTP or SQL.
package auth

import (
	"github.com/weir-ml/weir"
)

// Permission is what a user may do with one resource, named as MLflow names
// it on the wire.
type Permission string

// The permissions, weakest first. USE exists in MLflow 3's newer servers;
// here it reads like READ. DENY, also MLflow 3's, is an explicit refusal:
// it allows nothing, like NO_PERMISSIONS, and is what MLflow 3's grant API
// takes where the older APIs took NO_PERMISSIONS.
const (
	Deny          Permission = "DENY"
	NoPermissions Permission = "NO_PERMISSIONS"
	Read          Permission = "READ"
	Use           Permission = "USE"
	Edit          Permission = "EDIT"
	Manage        Permission = "MANAGE"
)

// rank orders permissions; an unknown one ranks below NoPermissions.
var rank = map[Permission]int{Deny: 1, NoPermissions: 1, Read: 2, Use: 3, Edit: 4, Manage: 5}

// ParsePermission checks that s names a permission.
func ParsePermission(s string) (Permission, error) {
	p := Permission(s)
	if rank[p] == 0 {
		return "", weir.Errorf(weir.ErrInvalidParameterValue,
			"Invalid permission '%s'. Valid permissions are: READ, USE, EDIT, MANAGE, NO_PERMISSIONS, DENY.", s)
	}
	return p, nil
}

// ParseGrantable checks a permission given to MLflow 3's grant API, which
// refuses NO_PERMISSIONS (no grant already means the default) and takes
// DENY instead.
func ParseGrantable(s, resourceType string) (Permission, error) {
	p := Permission(s)
	if p == NoPermissions || rank[p] == 0 {
		return "", weir.Errorf(weir.ErrInvalidParameterValue,
			"Invalid permission '%s' for resource_type='%s'. Resource-level grants accept only: DENY, EDIT, MANAGE, READ, USE.", s, resourceType)
	}
	return p, nil
}

// Allows reports whether p permits action.
func (p Permission) Allows(a Action) bool {
	switch a {
	case ActionRead:
		return rank[p] >= rank[Read]
	case ActionUpdate:
		return rank[p] >= rank[Edit]
	case ActionDelete, ActionManage:
		return p == Manage
	}
	return false
}

// Action is what a request does to a resource.
type Action int

// The actions a permission is checked against: reading, changing (EDIT),
// deleting and managing its permissions (both MANAGE).
const (
	ActionRead Action = iota + 1
	ActionUpdate
	ActionDelete
	ActionManage
)

// String names the action for messages.
func (a Action) String() string {
	switch a {
	case ActionRead:
		return "read"
	case ActionUpdate:
		return "update"
	case ActionDelete:
		return "delete"
	case ActionManage:
		return "manage"
	}
	return "unknown"
}

// Resource types, spelled as MLflow's permission APIs spell them.
const (
	Experiment      = "experiment"
	RegisteredModel = "registered_model"
)

// ParseResourceType checks that s is a resource type permissions apply to.
func ParseResourceType(s string) (string, error) {
	switch s {
	case Experiment, RegisteredModel:
		return s, nil
	}
	return "", weir.Errorf(weir.ErrInvalidParameterValue,
		"Invalid resource_type '%s'. Valid resource types are: experiment, registered_model.", s)
}
