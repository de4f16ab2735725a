package auth

import (
	"testing"
	"time"
)

// TestAllows is MLflow's table of what each permission may do.
func TestAllows(t *testing.T) {
	tests := []struct {
		p                            Permission
		read, update, delete, manage bool
	}{
		{NoPermissions, false, false, false, false},
		{Deny, false, false, false, false},
		{Read, true, false, false, false},
		{Use, true, false, false, false},
		{Edit, true, true, false, false},
		{Manage, true, true, true, true},
		{"BOGUS", false, false, false, false},
	}
	for _, tt := range tests {
		for a, want := range map[Action]bool{ActionRead: tt.read, ActionUpdate: tt.update, ActionDelete: tt.delete, ActionManage: tt.manage} {
			if got := tt.p.Allows(a); got != want {
				t.Errorf("%s.Allows(%s) = %v, want %v", tt.p, a, got, want)
			}
		}
	}
	if _, err := ParsePermission("read"); err == nil {
		t.Error("ParsePermission(read) accepted a lower-case name, which MLflow refuses")
	}
}

// TestLimiter checks the lockout window: max failures lock a key out until
// the window that began with the first failure ends.
func TestLimiter(t *testing.T) {
	l := limiter{max: 3, window: time.Minute}
	t0 := time.Unix(1000, 0)
	for i := range 3 {
		if l.blocked("k", t0) {
			t.Fatalf("blocked after %d failures", i)
		}
		l.fail("k", t0.Add(time.Duration(i)*time.Second))
	}
	if !l.blocked("k", t0.Add(59*time.Second)) {
		t.Error("not blocked after 3 failures within the window")
	}
	if l.blocked("other", t0) {
		t.Error("another key is blocked")
	}
	if l.blocked("k", t0.Add(time.Minute)) {
		t.Error("still blocked after the window")
	}
	l.fail("j", t0)
	l.succeed("j")
	if f := l.keys["j"]; f != nil {
		t.Errorf("a success left %d failures", f.n)
	}
}

func TestParseScopes(t *testing.T) {
	if got, err := ParseScopes(nil); err != nil || len(got) != 2 {
		t.Errorf("ParseScopes(nil) = %q, %v; want read and write", got, err)
	}
	if _, err := ParseScopes([]string{"session"}); err == nil {
		t.Error("ParseScopes accepted session, which only the login page may give")
	}
	secret, hash := NewTokenSecret()
	if len(secret) < 40 || string(HashToken(secret)) != string(hash) {
		t.Errorf("NewTokenSecret gave %d characters or a hash that does not match", len(secret))
	}
}
