package httpapi

import (
	"net/http"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/auth"
)

// authRoutes registers MLflow's users and permissions API (under both
// /api and /ajax-api, as MLflow does) and Weir's tokens API. While auth is
// off they answer 404, as a server without the basic-auth app does.
func (s *Server) authRoutes(handle func(method, path string, h http.Handler)) {
	both := func(method, path string, fn apiFunc) {
		h := s.api(s.needAuth(fn))
		handle(method, "/api"+path, h)
		handle(method, "/ajax-api"+path, h)
	}
	both("POST", "/2.0/mlflow/users/create", s.createUser)
	both("GET", "/2.0/mlflow/users/get", s.getUser)
	both("GET", "/2.0/mlflow/users/current", s.currentUser)
	both("GET", "/2.0/mlflow/users/list", s.listUsers)
	both("PATCH", "/2.0/mlflow/users/update-password", s.updateUserPassword)
	both("PATCH", "/2.0/mlflow/users/update-admin", s.updateUserAdmin)
	both("DELETE", "/2.0/mlflow/users/delete", s.deleteUser)

	for _, k := range []resourceKind{experimentKind, modelKind} {
		both("POST", "/2.0/mlflow/"+k.path+"/permissions/create", s.createPermission(k))
		both("GET", "/2.0/mlflow/"+k.path+"/permissions/get", s.getPermission(k))
		both("PATCH", "/2.0/mlflow/"+k.path+"/permissions/update", s.updatePermission(k))
		both("DELETE", "/2.0/mlflow/"+k.path+"/permissions/delete", s.deletePermission(k))
	}
	both("POST", "/3.0/mlflow/users/permissions/grant", s.grantPermission)
	both("POST", "/3.0/mlflow/users/permissions/revoke", s.revokePermission)
	both("GET", "/3.0/mlflow/users/permissions/get", s.getUserPermission)

	both("POST", "/2.0/weir/tokens/create", s.createToken)
	both("GET", "/2.0/weir/tokens/list", s.listTokens)
	both("DELETE", "/2.0/weir/tokens/delete", s.deleteToken)
}

// adminOnly fails unless the caller is an admin.
func adminOnly(r *http.Request) error {
	if !IsAdminFrom(r.Context()) {
		return errDenied
	}
	return nil
}

// selfOrAdmin fails unless the caller is username or an admin.
func selfOrAdmin(r *http.Request, username string) error {
	if IsAdminFrom(r.Context()) || UsernameFrom(r.Context()) == username {
		return nil
	}
	return errDenied
}

func writeUser(w *jsonWriter, key string, u *auth.User) {
	w.objectField(key)
	w.intField("id", u.ID)
	w.stringField("username", u.Username)
	w.boolField("is_admin", u.IsAdmin)
	w.closeObject()
}

// writeUserWithGrants writes a user with its grants, as MLflow releases
// before 3.17 did and their clients expect (User.from_json reads
// experiment_permissions and registered_model_permissions).
func (s *Server) writeUserWithGrants(w *jsonWriter, r *http.Request, u *auth.User) error {
	exps, err := s.Auth.Store.ListGrants(r.Context(), u.ID, auth.Experiment)
	if err != nil {
		return err
	}
	models, err := s.Auth.Store.ListGrants(r.Context(), u.ID, auth.RegisteredModel)
	if err != nil {
		return err
	}
	w.openObject()
	w.objectField("user")
	w.intField("id", u.ID)
	w.stringField("username", u.Username)
	w.boolField("is_admin", u.IsAdmin)
	w.arrayField("experiment_permissions")
	for _, g := range exps {
		w.element()
		w.stringField("experiment_id", g.ResourceID)
		w.intField("user_id", g.UserID)
		w.stringField("permission", string(g.Permission))
		w.closeObject()
	}
	w.closeArray()
	w.arrayField("registered_model_permissions")
	for _, g := range models {
		w.element()
		w.stringField("name", g.ResourceID)
		w.intField("user_id", g.UserID)
		w.stringField("permission", string(g.Permission))
		w.closeObject()
	}
	w.closeArray()
	w.closeObject()
	w.closeObject()
	return nil
}

func (s *Server) createUser(w *jsonWriter, r *http.Request) error {
	if err := adminOnly(r); err != nil {
		return err
	}
	p, err := readAuthParams(r)
	if err != nil {
		return err
	}
	username, password := p.optStr("username"), p.optStr("password")
	if username == "" || password == "" {
		return weir.Errorf(weir.ErrInvalidParameterValue, "Username and password cannot be empty.")
	}
	u, err := s.Auth.CreateUser(r.Context(), username, password)
	if err != nil {
		return err
	}
	return s.writeUserWithGrants(w, r, u)
}

func (s *Server) getUser(w *jsonWriter, r *http.Request) error {
	p, err := readAuthParams(r)
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
	return s.writeUserWithGrants(w, r, u)
}

func (s *Server) currentUser(w *jsonWriter, r *http.Request) error {
	w.openObject()
	writeUser(w, "user", principalFrom(r.Context()).User)
	w.boolField("is_basic_auth", true)
	w.closeObject()
	return nil
}

// listUsers lists every user to any user, as MLflow does without
// workspaces (the UI needs the roster to share resources).
func (s *Server) listUsers(w *jsonWriter, r *http.Request) error {
	users, err := s.Auth.Store.ListUsers(r.Context())
	if err != nil {
		return err
	}
	w.openObject()
	w.arrayField("users")
	for _, u := range users {
		w.element()
		w.intField("id", u.ID)
		w.stringField("username", u.Username)
		w.boolField("is_admin", u.IsAdmin)
		w.arrayField("roles")
		w.closeArray()
		w.closeObject()
	}
	w.closeArray()
	w.closeObject()
	return nil
}

// updateUserPassword lets admins set anyone's password and users their
// own, given their current one (MLflow's self-service rule).
func (s *Server) updateUserPassword(w *jsonWriter, r *http.Request) error {
	p, err := readAuthParams(r)
	if err != nil {
		return err
	}
	username, err := p.str("username")
	if err != nil {
		return err
	}
	password, err := p.str("password")
	if err != nil {
		return err
	}
	if err := selfOrAdmin(r, username); err != nil {
		return err
	}
	if UsernameFrom(r.Context()) == username {
		current := p.optStr("current_password")
		if current == "" {
			return weir.Errorf(weir.ErrInvalidParameterValue, "Current password is required when changing your own password.")
		}
		if _, err := s.Auth.Authenticate(r.Context(), username, current, clientIP(r)); err != nil {
			return weir.Errorf(weir.ErrInvalidParameterValue, "Current password does not match.")
		}
		if password == current {
			return weir.Errorf(weir.ErrInvalidParameterValue, "New password must differ from the current password.")
		}
	}
	return s.Auth.UpdateUserPassword(r.Context(), username, password)
}

func (s *Server) updateUserAdmin(w *jsonWriter, r *http.Request) error {
	if err := adminOnly(r); err != nil {
		return err
	}
	p, err := readAuthParams(r)
	if err != nil {
		return err
	}
	username, err := p.str("username")
	if err != nil {
		return err
	}
	isAdmin, err := p.boolean("is_admin")
	if err != nil {
		return err
	}
	return s.Auth.UpdateUserAdmin(r.Context(), username, isAdmin)
}

func (s *Server) deleteUser(w *jsonWriter, r *http.Request) error {
	if err := adminOnly(r); err != nil {
		return err
	}
	p, err := readAuthParams(r)
	if err != nil {
		return err
	}
	username, err := p.str("username")
	if err != nil {
		return err
	}
	if username == UsernameFrom(r.Context()) {
		return weir.Errorf(weir.ErrBadRequest,
			"Users cannot delete their own account. Ask another admin to delete this user instead.")
	}
	return s.Auth.DeleteUser(r.Context(), username)
}
