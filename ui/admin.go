package ui

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/auth"
)

// adminData is what the admin page shows: every user, and the grants on
// the resource asked for.
type adminData struct {
	Users        []*auth.User
	ResourceType string
	ResourceID   string
	Grants       []grantRow
	Permissions  []auth.Permission
}

type grantRow struct {
	Username   string
	Permission auth.Permission
}

// requireAdmin fails unless auth is on and the caller is an admin.
func (h *Handler) requireAdmin(r *http.Request) error {
	if h.Auth == nil {
		return weir.Errorf(weir.ErrResourceDoesNotExist, "Authentication is off on this server.")
	}
	if u := auth.UserFrom(r.Context()); u == nil || !u.IsAdmin {
		return weir.Errorf(weir.ErrPermissionDenied, "Only admins may manage users and permissions.")
	}
	return nil
}

// adminPage lists users and, for ?type=experiment|registered_model&id=...,
// who has which grant on that resource.
func (h *Handler) adminPage(w http.ResponseWriter, r *http.Request) (*view, error) {
	if err := h.requireAdmin(r); err != nil {
		return nil, err
	}
	ctx := r.Context()
	users, err := h.Auth.Store.ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	d := adminData{Users: users, ResourceType: auth.Experiment,
		Permissions: []auth.Permission{auth.Read, auth.Use, auth.Edit, auth.Manage, auth.NoPermissions}}
	q := r.URL.Query()
	if t := q.Get("type"); t != "" {
		if d.ResourceType, err = auth.ParseResourceType(t); err != nil {
			return nil, err
		}
	}
	if d.ResourceID = q.Get("id"); d.ResourceID != "" {
		gs, err := h.Auth.Store.ListResourceGrants(ctx, d.ResourceType, d.ResourceID)
		if err != nil {
			return nil, err
		}
		names := map[int64]string{}
		for _, u := range users {
			names[u.ID] = u.Username
		}
		for _, g := range gs {
			d.Grants = append(d.Grants, grantRow{Username: names[g.UserID], Permission: g.Permission})
		}
	}
	return &view{Template: "admin", Title: "Users and permissions", Data: d}, nil
}

func (h *Handler) adminCreateUser(r *http.Request) (string, error) {
	if err := h.requireAdmin(r); err != nil {
		return "", err
	}
	_, err := h.Auth.CreateUser(r.Context(), strings.TrimSpace(r.PostForm.Get("username")), r.PostForm.Get("password"))
	return "/admin", err
}

func (h *Handler) adminSetAdmin(r *http.Request) (string, error) {
	if err := h.requireAdmin(r); err != nil {
		return "", err
	}
	return "/admin", h.Auth.UpdateUserAdmin(r.Context(), r.PathValue("name"), r.PostForm.Get("admin") == "true")
}

func (h *Handler) adminDeleteUser(r *http.Request) (string, error) {
	if err := h.requireAdmin(r); err != nil {
		return "", err
	}
	name := r.PathValue("name")
	if u := auth.UserFrom(r.Context()); u != nil && u.Username == name {
		return "", weir.Errorf(weir.ErrBadRequest, "You cannot delete your own account.")
	}
	return "/admin", h.Auth.DeleteUser(r.Context(), name)
}

// adminGrant sets a user's permission on a resource (creating or
// replacing the grant), or removes it when the permission is "none".
func (h *Handler) adminGrant(r *http.Request) (string, error) {
	if err := h.requireAdmin(r); err != nil {
		return "", err
	}
	ctx := r.Context()
	f := r.PostForm
	typ, err := auth.ParseResourceType(f.Get("type"))
	if err != nil {
		return "", err
	}
	id, user := strings.TrimSpace(f.Get("id")), strings.TrimSpace(f.Get("username"))
	if id == "" || user == "" {
		return "", weir.Errorf(weir.ErrInvalidParameterValue, "A grant needs a user and a resource.")
	}
	back := "/admin?type=" + url.QueryEscape(typ) + "&id=" + url.QueryEscape(id)
	if f.Get("permission") == "none" {
		return back, h.Auth.Revoke(ctx, user, typ, id)
	}
	p, err := auth.ParsePermission(f.Get("permission"))
	if err != nil {
		return "", err
	}
	if _, err := h.Auth.GetGrant(ctx, user, typ, id); err == nil {
		return back, h.Auth.UpdateGrant(ctx, user, typ, id, p)
	}
	return back, h.Auth.Grant(ctx, user, typ, id, p)
}
