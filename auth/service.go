package auth

import (
	"context"
	"crypto/sha256"
	"errors"
	"runtime"
	"sync"
	"time"

	"github.com/weir-ml/weir"
)

// Service applies the rules on top of a Store: it checks credentials (with a
// cache, as a bcrypt check costs tens of milliseconds, and a lockout after
// repeated failures), resolves a user's permission on a resource and
// changes users, grants and tokens. Create it with NewService and set the
// exported fields before use.
type Service struct {
	Store Store
	// DefaultPermission applies to resources on which a user has no grant.
	DefaultPermission Permission
	// Now is the clock, replaceable in tests.
	Now func() time.Time
	// CacheTTL bounds how long a checked password and a user's grants are
	// trusted without asking the Store again. Changes made through this
	// Service take effect at once; CacheTTL bounds the delay for changes
	// made by another server sharing the database.
	CacheTTL time.Duration
	// MaxFailures failed logins within FailureWindow lock a username and
	// client address pair out until the window ends.
	MaxFailures   int
	FailureWindow time.Duration

	limiter limiter
	// hashing bounds the bcrypt checks running at once to half the
	// cores, so a flood of wrong passwords for made-up users (which the
	// per-user lockout does not stop) cannot take every core from the
	// requests of logged-in users, whose checks are cached.
	hashing chan struct{}

	mu     sync.Mutex
	creds  map[[32]byte]credEntry  // sha256(username, password) -> user
	tokens map[[32]byte]tokenEntry // sha256(secret) -> token and user
	grants map[int64]grantEntry    // user ID -> grants
}

type tokenEntry struct {
	user    *User
	token   *Token
	expires time.Time
}

type credEntry struct {
	user    *User
	expires time.Time
}

type grantEntry struct {
	perms   map[[2]string]Permission // (type, id) -> permission
	expires time.Time
}

// cacheCap bounds each cache; past it the cache is emptied.
const cacheCap = 10_000

// NewService returns a Service on store with MLflow's default permission
// READ, a 30 s cache and a lockout after 10 failures in 5 minutes.
func NewService(store Store) *Service {
	return &Service{
		Store:             store,
		DefaultPermission: Read,
		Now:               time.Now,
		CacheTTL:          30 * time.Second,
		MaxFailures:       10,
		FailureWindow:     5 * time.Minute,
	}
}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

// Bootstrap creates the admin user when it does not exist yet. An existing
// user of that name is made admin but keeps its password, as MLflow ignores
// the configured password once the admin exists.
func (s *Service) Bootstrap(ctx context.Context, username, password string) (err error) {
	defer weir.Wrap(&err, "auth: bootstrap admin %q", username)
	if username == "" {
		return errors.New("the admin username is empty")
	}
	u, err := s.Store.GetUser(ctx, username)
	if err == nil {
		if !u.IsAdmin {
			return s.UpdateUserAdmin(ctx, username, true)
		}
		return nil
	}
	if weir.ErrorCode(err) != weir.ErrResourceDoesNotExist {
		return err
	}
	if password == "" {
		return errors.New("no admin password is configured and the admin user does not exist yet")
	}
	_, err = s.createUser(ctx, username, password, true)
	return err
}

// Authenticate checks a username and password from client (its address, for
// the lockout). It returns ErrBadCredentials or ErrTooManyAttempts.
func (s *Service) Authenticate(ctx context.Context, username, password, client string) (*User, error) {
	key := sha256.Sum256([]byte(username + "\x00" + password))
	now := s.now()
	s.mu.Lock()
	e, ok := s.creds[key]
	s.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.user, nil
	}
	s.limiter.max, s.limiter.window = max(s.MaxFailures, 1), s.FailureWindow
	lk := username + "\x00" + client
	if s.limiter.blocked(lk, now) {
		return nil, ErrTooManyAttempts
	}
	if err := s.acquireHashing(ctx); err != nil {
		return nil, err
	}
	defer func() { <-s.hashing }()
	u, err := s.Store.GetUser(ctx, username)
	switch {
	case weir.ErrorCode(err) == weir.ErrResourceDoesNotExist:
		checkNoUser(password)
		s.limiter.fail(lk, now)
		return nil, ErrBadCredentials
	case err != nil:
		return nil, err
	case !CheckPassword(u.PasswordHash, password):
		s.limiter.fail(lk, now)
		return nil, ErrBadCredentials
	}
	s.limiter.succeed(lk)
	s.mu.Lock()
	if s.creds == nil || len(s.creds) >= cacheCap {
		s.creds = map[[32]byte]credEntry{}
	}
	s.creds[key] = credEntry{user: u, expires: now.Add(s.CacheTTL)}
	s.mu.Unlock()
	return u, nil
}

func (s *Service) acquireHashing(ctx context.Context) error {
	s.mu.Lock()
	if s.hashing == nil {
		s.hashing = make(chan struct{}, max(1, runtime.NumCPU()/2))
	}
	ch := s.hashing
	s.mu.Unlock()
	select {
	case ch <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// AuthenticateToken checks a token secret and returns the token and its
// user. It returns ErrBadCredentials for unknown and expired tokens.
func (s *Service) AuthenticateToken(ctx context.Context, secret string) (*User, *Token, error) {
	var key [32]byte
	copy(key[:], HashToken(secret))
	now := s.now()
	s.mu.Lock()
	e, ok := s.tokens[key]
	s.mu.Unlock()
	if ok && now.Before(e.expires) && !e.token.Expired(now) {
		return e.user, e.token, nil
	}
	t, err := s.Store.TokenByHash(ctx, key[:])
	if weir.ErrorCode(err) == weir.ErrResourceDoesNotExist {
		return nil, nil, ErrBadCredentials
	}
	if err != nil {
		return nil, nil, err
	}
	if t.Expired(s.now()) {
		return nil, nil, ErrBadCredentials
	}
	u, err := s.Store.GetUserByID(ctx, t.UserID)
	if weir.ErrorCode(err) == weir.ErrResourceDoesNotExist {
		return nil, nil, ErrBadCredentials
	}
	if err != nil {
		return nil, nil, err
	}
	s.mu.Lock()
	if s.tokens == nil || len(s.tokens) >= cacheCap {
		s.tokens = map[[32]byte]tokenEntry{}
	}
	s.tokens[key] = tokenEntry{user: u, token: t, expires: now.Add(s.CacheTTL)}
	s.mu.Unlock()
	return u, t, nil
}

// forget drops what the caches hold about a user.
func (s *Service) forget(username string, id int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, e := range s.creds {
		if e.user.Username == username {
			delete(s.creds, k)
		}
	}
	delete(s.grants, id)
	for k, e := range s.tokens {
		if e.user.ID == id {
			delete(s.tokens, k)
		}
	}
}
