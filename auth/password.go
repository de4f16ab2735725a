package auth

import (
	"errors"

	"github.com/weir-ml/weir"
	"golang.org/x/crypto/bcrypt"
)

// MinPasswordLength is MLflow's minimum password length.
const MinPasswordLength = 12

// maxPasswordBytes is bcrypt's limit: it ignores bytes past 72, so longer
// passwords are refused rather than silently cut.
const maxPasswordBytes = 72

// passwordCost is bcrypt's work factor: about 50 ms a check on one core,
// paid once per user and password thanks to Service's cache.
const passwordCost = 10

// ValidatePassword checks a new password as MLflow does, plus bcrypt's
// length limit.
func ValidatePassword(password string) error {
	if len(password) < MinPasswordLength {
		return weir.Errorf(weir.ErrInvalidParameterValue, "Password must be at least %d characters.", MinPasswordLength)
	}
	if len(password) > maxPasswordBytes {
		return weir.Errorf(weir.ErrInvalidParameterValue, "Password must be at most %d bytes.", maxPasswordBytes)
	}
	return nil
}

// HashPassword returns the bcrypt hash of a password that passed
// ValidatePassword.
func HashPassword(password string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(password), passwordCost)
	if err != nil {
		return "", err
	}
	return string(h), nil
}

// CheckPassword reports whether password matches hash. bcrypt compares in
// constant time.
func CheckPassword(hash, password string) bool {
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) == nil
}

// dummyHash is checked against when a user does not exist, so that a wrong
// username takes as long to refuse as a wrong password.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("weir-no-such-user-000"), passwordCost)

func checkNoUser(password string) {
	_ = bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
}

// ErrBadCredentials is returned for an unknown user, a wrong password or an
// unknown, expired or revoked token. Callers answer 401.
var ErrBadCredentials = errors.New("auth: bad credentials")

// ErrTooManyAttempts is returned while a username and address pair is locked
// out after repeated failures. Callers answer 429.
var ErrTooManyAttempts = errors.New("auth: too many failed login attempts")
