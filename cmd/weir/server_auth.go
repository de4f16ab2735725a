//go:build !weir_serve

package main

import (
	"os"
	"strings"

	"github.com/weir-ml/weir/auth"
	"github.com/weir-ml/weir/sqlstore"
)

// serverAuthFlags turn on MLflow's basic-auth app: users, passwords,
// tokens and permissions kept in the backend store.
type serverAuthFlags struct {
	AppName               string `name:"app-name" help:"Server app, as mlflow server's flag: basic-auth turns on authentication and permissions (same as --auth)." enum:",basic-auth" default:"" env:"WEIR_APP_NAME"`
	Auth                  bool   `help:"Require a user or token on every request and check permissions (MLflow's basic-auth app)." env:"WEIR_AUTH"`
	AuthAdminUsername     string `name:"auth-admin-username" help:"Admin user created at first start with auth on." default:"admin" env:"WEIR_AUTH_ADMIN_USERNAME"`
	AuthAdminPasswordFile string `name:"auth-admin-password-file" help:"File holding the admin's first password (else WEIR_AUTH_ADMIN_PASSWORD or MLFLOW_AUTH_ADMIN_PASSWORD). Needed only until the admin exists." env:"WEIR_AUTH_ADMIN_PASSWORD_FILE"`
	AuthDefaultPermission string `name:"auth-default-permission" help:"Permission of users on experiments and models they have no grant on: READ, USE, EDIT, MANAGE or NO_PERMISSIONS." default:"READ" env:"WEIR_AUTH_DEFAULT_PERMISSION"`
	AuthMaxFailedLogins   int    `name:"auth-max-failed-logins" help:"Failed logins from one address for one user, within 5 minutes, before further attempts get 429." default:"10" env:"WEIR_AUTH_MAX_FAILED_LOGINS"`
}

// openAuth returns the auth service when auth is on, with the admin
// bootstrapped, or nil.
func (s *serverCmd) openAuth(g *globals, db *sqlstore.DB) (*auth.Service, error) {
	if s.AppName == "" && !s.Auth {
		return nil, nil
	}
	perm, err := auth.ParsePermission(strings.ToUpper(s.AuthDefaultPermission))
	if err != nil {
		return nil, usagef("--auth-default-permission %q: want READ, USE, EDIT, MANAGE or NO_PERMISSIONS", s.AuthDefaultPermission)
	}
	if s.AuthMaxFailedLogins < 1 {
		return nil, usagef("--auth-max-failed-logins %d: want at least 1", s.AuthMaxFailedLogins)
	}
	a := auth.NewService(sqlstore.NewAuthStore(db))
	a.DefaultPermission = perm
	a.MaxFailures = s.AuthMaxFailedLogins
	password, err := s.adminPassword(g.getenv)
	if err != nil {
		return nil, err
	}
	if err := a.Bootstrap(g.ctx, s.AuthAdminUsername, password); err != nil {
		return nil, usagef("%v (set --auth-admin-password-file or WEIR_AUTH_ADMIN_PASSWORD)", err)
	}
	return a, nil
}

// adminPassword reads the admin's first password from the file flag or
// the environment; "" when none is set.
func (s *serverCmd) adminPassword(getenv func(string) string) (string, error) {
	if s.AuthAdminPasswordFile != "" {
		b, err := os.ReadFile(s.AuthAdminPasswordFile)
		if err != nil {
			return "", usagef("--auth-admin-password-file: %v", err)
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	}
	for _, env := range []string{"WEIR_AUTH_ADMIN_PASSWORD", "MLFLOW_AUTH_ADMIN_PASSWORD"} {
		if v := getenv(env); v != "" {
			return v, nil
		}
	}
	return "", nil
}
