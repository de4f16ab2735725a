package httpapi

import (
	"net/http"

	"github.com/weir-ml/weir/auth"
)

// resourceKind describes one of MLflow's older per-resource permission
// APIs: where it lives, which parameter names the resource and what the
// answer's object is called.
type resourceKind struct {
	typ    string // auth.Experiment or auth.RegisteredModel
	path   string // experiments or registered-models
	param  string // experiment_id or name
	object string // experiment_permission or registered_model_permission
}

var (
	experimentKind = resourceKind{auth.Experiment, "experiments", "experiment_id", "experiment_permission"}
	modelKind      = resourceKind{auth.RegisteredModel, "registered-models", "name", "registered_model_permission"}
)

// permissionRequest is a parsed permission call: the resource, the user
// and, for writes, the permission.
type permissionRequest struct {
	id, username string
	perm         auth.Permission
}

// readPermissionRequest reads the request of a permission call and checks
// that the caller may manage the resource (MANAGE, or admin).
func (s *Server) readPermissionRequest(r *http.Request, p authParams, typ, idParam string, wantPerm bool) (*permissionRequest, error) {
	parse := auth.ParsePermission
	if idParam == "resource_id" {
		parse = func(s string) (auth.Permission, error) { return auth.ParseGrantable(s, typ) }
	}
	var req permissionRequest
	var err error
	if req.id, err = p.str(idParam); err != nil {
		return nil, err
	}
	if req.username, err = p.str("username"); err != nil {
		return nil, err
	}
	if wantPerm {
		raw, err := p.str("permission")
		if err != nil {
			return nil, err
		}
		if req.perm, err = parse(raw); err != nil {
			return nil, err
		}
	}
	if err := s.permGuard.check(r.Context(), typ, req.id, auth.ActionManage); err != nil {
		return nil, err
	}
	return &req, nil
}

// permissionRequest reads the parameters and then the permission request.
func (s *Server) permissionRequest(r *http.Request, typ, idParam string, wantPerm bool) (*permissionRequest, error) {
	p, err := readAuthParams(r)
	if err != nil {
		return nil, err
	}
	return s.readPermissionRequest(r, p, typ, idParam, wantPerm)
}

func (k resourceKind) write(w *jsonWriter, g *auth.Grant) {
	w.openObject()
	w.objectField(k.object)
	if k.typ == auth.Experiment {
		w.stringField("experiment_id", g.ResourceID)
	} else {
		w.stringField("name", g.ResourceID)
	}
	w.intField("user_id", g.UserID)
	w.stringField("permission", string(g.Permission))
	w.closeObject()
	w.closeObject()
}

func (s *Server) createPermission(k resourceKind) apiFunc {
	return func(w *jsonWriter, r *http.Request) error {
		req, err := s.permissionRequest(r, k.typ, k.param, true)
		if err != nil {
			return err
		}
		if err := s.Auth.Grant(r.Context(), req.username, k.typ, req.id, req.perm); err != nil {
			return err
		}
		g, err := s.Auth.GetGrant(r.Context(), req.username, k.typ, req.id)
		if err != nil {
			return err
		}
		k.write(w, g)
		return nil
	}
}

func (s *Server) getPermission(k resourceKind) apiFunc {
	return func(w *jsonWriter, r *http.Request) error {
		req, err := s.permissionRequest(r, k.typ, k.param, false)
		if err != nil {
			return err
		}
		g, err := s.Auth.GetGrant(r.Context(), req.username, k.typ, req.id)
		if err != nil {
			return err
		}
		k.write(w, g)
		return nil
	}
}

func (s *Server) updatePermission(k resourceKind) apiFunc {
	return func(w *jsonWriter, r *http.Request) error {
		req, err := s.permissionRequest(r, k.typ, k.param, true)
		if err != nil {
			return err
		}
		return s.Auth.UpdateGrant(r.Context(), req.username, k.typ, req.id, req.perm)
	}
}

func (s *Server) deletePermission(k resourceKind) apiFunc {
	return func(w *jsonWriter, r *http.Request) error {
		req, err := s.permissionRequest(r, k.typ, k.param, false)
		if err != nil {
			return err
		}
		return s.Auth.Revoke(r.Context(), req.username, k.typ, req.id)
	}
}

// resourceType reads and checks the resource_type parameter of MLflow 3's
// unified permission calls.
func resourceType(p authParams) (string, error) {
	raw, err := p.str("resource_type")
	if err != nil {
		return "", err
	}
	return auth.ParseResourceType(raw)
}

// grantPermission is MLflow 3's users/permissions/grant: it adds a grant,
// refusing one that exists, for callers who may manage the resource.
func (s *Server) grantPermission(w *jsonWriter, r *http.Request) error {
	p, err := readAuthParams(r)
	if err != nil {
		return err
	}
	typ, err := resourceType(p)
	if err != nil {
		return err
	}
	req, err := s.readPermissionRequest(r, p, typ, "resource_id", true)
	if err != nil {
		return err
	}
	return s.Auth.Grant(r.Context(), req.username, typ, req.id, req.perm)
}

// revokePermission is MLflow 3's users/permissions/revoke.
func (s *Server) revokePermission(w *jsonWriter, r *http.Request) error {
	p, err := readAuthParams(r)
	if err != nil {
		return err
	}
	typ, err := resourceType(p)
	if err != nil {
		return err
	}
	req, err := s.readPermissionRequest(r, p, typ, "resource_id", false)
	if err != nil {
		return err
	}
	return s.Auth.Revoke(r.Context(), req.username, typ, req.id)
}

// getUserPermission is MLflow 3's users/permissions/get: a user's
// effective permission on a resource (its grant or the default), for the
// user or an admin. allowed is true from USE up, as in MLflow.
func (s *Server) getUserPermission(w *jsonWriter, r *http.Request) error {
	p, err := readAuthParams(r)
	if err != nil {
		return err
	}
	typ, err := resourceType(p)
	if err != nil {
		return err
	}
	id, err := p.str("resource_id")
	if err != nil {
		return err
	}
	username, err := p.str("username")
	if err != nil {
		return err
	}
	if err := selfOrAdmin(r, username); err != nil {
		return err
	}
	u, err := s.Auth.Store.GetUser(r.Context(), username)
	if err != nil {
		return err
	}
	perm, err := s.Auth.Permission(r.Context(), u, typ, id)
	if err != nil {
		return err
	}
	w.openObject()
	w.boolField("allowed", perm != auth.Read && perm.Allows(auth.ActionRead))
	w.stringField("permission", string(perm))
	w.closeObject()
	return nil
}
