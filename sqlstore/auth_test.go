package sqlstore

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/auth"
)

func TestAuthStoreSQLite(t *testing.T)   { testAuthStore(t, MustOpenDB(t)) }
func TestAuthStorePostgres(t *testing.T) { testAuthStore(t, MustOpenPostgres(t)) }

func wantAuthCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := weir.ErrorCode(err); got != code {
		t.Errorf("%s: got error %v (code %q), want code %s", what, err, got, code)
	}
}

// testAuthStore walks users, grants and tokens through their life on one
// database: what is written reads back, duplicates and missing rows give
// MLflow's codes, and deleting a user takes its grants and tokens.
func testAuthStore(t *testing.T, db *DB) {
	ctx := context.Background()
	s := NewAuthStore(db)
	alice, err := s.CreateUser(ctx, "alice", "hash-a", false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateUser(ctx, "alice", "x", false); true {
		wantAuthCode(t, "CreateUser twice", err, weir.ErrResourceAlreadyExists)
	}
	bob, err := s.CreateUser(ctx, "bob", "hash-b", true)
	if err != nil {
		t.Fatal(err)
	}
	if alice.ID == bob.ID {
		t.Fatalf("two users got ID %d", alice.ID)
	}
	got, err := s.GetUser(ctx, "bob")
	if err != nil {
		t.Fatal(err)
	}
	if *got != *bob {
		t.Errorf("GetUser(bob) = %+v, want %+v", *got, *bob)
	}
	_, err = s.GetUser(ctx, "carol")
	wantAuthCode(t, "GetUser(carol)", err, weir.ErrResourceDoesNotExist)
	if err := s.UpdateUserPassword(ctx, "alice", "hash-a2"); err != nil {
		t.Fatal(err)
	}
	if err := s.UpdateUserAdmin(ctx, "alice", true); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.GetUserByID(ctx, alice.ID); got == nil || got.PasswordHash != "hash-a2" || !got.IsAdmin {
		t.Errorf("after updates GetUserByID = %+v, want hash-a2 and admin", got)
	}
	wantAuthCode(t, "UpdateUserAdmin(carol)", s.UpdateUserAdmin(ctx, "carol", true), weir.ErrResourceDoesNotExist)
	users, err := s.ListUsers(ctx)
	if err != nil || len(users) != 2 || users[0].Username != "alice" || users[1].Username != "bob" {
		t.Errorf("ListUsers = %d users (err %v), want alice and bob", len(users), err)
	}

	g := auth.Grant{UserID: alice.ID, ResourceType: auth.Experiment, ResourceID: "7", Permission: auth.Read}
	if err := s.CreateGrant(ctx, g); err != nil {
		t.Fatal(err)
	}
	wantAuthCode(t, "CreateGrant twice", s.CreateGrant(ctx, g), weir.ErrResourceAlreadyExists)
	g.Permission = auth.Edit
	if err := s.UpdateGrant(ctx, g); err != nil {
		t.Fatal(err)
	}
	if got, err := s.GetGrant(ctx, alice.ID, auth.Experiment, "7"); err != nil || got.Permission != auth.Edit {
		t.Errorf("GetGrant = %+v (err %v), want EDIT", got, err)
	}
	_, err = s.GetGrant(ctx, alice.ID, auth.Experiment, "8")
	wantAuthCode(t, "GetGrant(8)", err, weir.ErrResourceDoesNotExist)
	m := auth.Grant{UserID: alice.ID, ResourceType: auth.RegisteredModel, ResourceID: "m1", Permission: auth.Manage}
	if err := s.CreateGrant(ctx, m); err != nil {
		t.Fatal(err)
	}
	if err := s.RenameResource(ctx, auth.RegisteredModel, "m1", "m2"); err != nil {
		t.Fatal(err)
	}
	if gs, err := s.ListGrants(ctx, alice.ID, auth.RegisteredModel); err != nil || len(gs) != 1 || gs[0].ResourceID != "m2" {
		t.Errorf("after rename ListGrants = %+v (err %v), want one grant on m2", gs, err)
	}
	if err := s.DeleteResourceGrants(ctx, auth.RegisteredModel, "m2"); err != nil {
		t.Fatal(err)
	}
	if gs, _ := s.ListResourceGrants(ctx, auth.RegisteredModel, "m2"); len(gs) != 0 {
		t.Errorf("after delete %d grants remain on m2, want 0", len(gs))
	}

	tok := &auth.Token{UserID: alice.ID, Name: "ci", Scopes: []string{auth.ScopeRead}, Hash: auth.HashToken("s1"),
		CreatedAt: time.UnixMilli(1000), ExpiresAt: time.UnixMilli(5000)}
	if err := s.CreateToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	back, err := s.TokenByHash(ctx, auth.HashToken("s1"))
	if err != nil {
		t.Fatal(err)
	}
	if back.ID != tok.ID || back.Name != "ci" || !bytes.Equal(back.Hash, tok.Hash) || !back.ExpiresAt.Equal(tok.ExpiresAt) ||
		len(back.Scopes) != 1 || back.Scopes[0] != auth.ScopeRead {
		t.Errorf("TokenByHash = %+v, want %+v", *back, *tok)
	}
	_, err = s.TokenByHash(ctx, auth.HashToken("s2"))
	wantAuthCode(t, "TokenByHash(unknown)", err, weir.ErrResourceDoesNotExist)
	// A new token clears the user's expired ones.
	later := &auth.Token{UserID: alice.ID, Scopes: []string{auth.ScopeSession}, Hash: auth.HashToken("s3"),
		CreatedAt: time.UnixMilli(6000), ExpiresAt: time.UnixMilli(9000)}
	if err := s.CreateToken(ctx, later); err != nil {
		t.Fatal(err)
	}
	if ts, err := s.ListTokens(ctx, alice.ID); err != nil || len(ts) != 1 || ts[0].ID != later.ID {
		t.Errorf("after a new token, ListTokens = %d tokens (err %v), want only the new one", len(ts), err)
	}
	if err := s.DeleteToken(ctx, alice.ID, later.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateToken(ctx, tok); err != nil {
		t.Fatal(err)
	}

	if err := s.DeleteUser(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.TokenByHash(ctx, auth.HashToken("s1")); weir.ErrorCode(err) != weir.ErrResourceDoesNotExist {
		t.Errorf("a deleted user's token still reads back (err %v)", err)
	}
	if gs, _ := s.ListGrants(ctx, alice.ID, auth.Experiment); len(gs) != 0 {
		t.Errorf("a deleted user keeps %d grants", len(gs))
	}
	wantAuthCode(t, "DeleteUser twice", s.DeleteUser(ctx, "alice"), weir.ErrResourceDoesNotExist)
}
