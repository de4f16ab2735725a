package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"syscall"

	"github.com/weir-ml/weir"
)

// Exit codes. Every command follows one rule, so a script can tell a
// mistake in its own call from a failure it may retry.
const (
	// exitFailure: the call was well formed but the work failed at run
	// time (a server unreachable, a disk full, a port in use, a failed
	// pipeline step, an alert that fired).
	exitFailure = 1
	// exitUsage: the call or its input is wrong (an unknown command or
	// flag, a bad value, a missing or malformed file, a name that does not
	// exist); running it again unchanged fails the same way.
	exitUsage = 2
)

// usageError marks errors caused by the caller's input: exit code 2.
// causes are the errors formatted into its message, kept so that
// errors.Is and errors.As still see them (a port in use reported through
// usagef is a runtime failure all the same).
type usageError struct {
	err    error
	causes []error
}

func (e *usageError) Error() string { return e.err.Error() }

// Unwrap returns the message's error and the errors formatted into it.
func (e *usageError) Unwrap() []error { return append([]error{e.err}, e.causes...) }

// usagef returns a usage error (exit code 2) with a formatted message.
func usagef(format string, args ...any) error {
	e := &usageError{err: fmt.Errorf(format, args...)}
	for _, a := range args {
		if err, ok := a.(error); ok {
			e.causes = append(e.causes, err)
		}
	}
	return e
}

// portInUseError is a listen that failed because something else holds the
// address: a runtime failure whose message names the address and the flag
// that changes it, once.
type portInUseError struct {
	addr string
	flag string // "--port", "--serve-addr"
	err  error
}

func (e *portInUseError) Error() string {
	return fmt.Sprintf("address %s is already in use: stop what listens there, or pick another with %s", e.addr, e.flag)
}

func (e *portInUseError) Unwrap() error { return e.err }

// listenError returns err as a portInUseError naming flag when the address
// was in use, and err unchanged otherwise.
func listenError(addr, flag string, err error) error {
	if err == nil || !errors.Is(err, syscall.EADDRINUSE) {
		return err
	}
	return &portInUseError{addr: addr, flag: flag, err: err}
}

// unreachableError is a server that could not be reached: a runtime
// failure, said once with the URL to check instead of the client's
// method, URL and dial error in turn.
type unreachableError struct {
	url   string
	cause string // "connection refused", "no such host", ...
	err   error
}

func (e *unreachableError) Error() string {
	return fmt.Sprintf("cannot reach %s (%s): start the server there or check --tracking-uri", e.url, e.cause)
}

func (e *unreachableError) Unwrap() error { return e.err }

// networkError is a failure of the network under a usage error (a store
// URI that is well formed, but whose database does not answer): a runtime
// failure all the same.
type networkError struct{ err error }

func (e *networkError) Error() string { return e.err.Error() }
func (e *networkError) Unwrap() error { return e.err }

// classify turns what a command returned into the error main reports:
// a port in use (however deep, and even inside a usage error) becomes a
// portInUseError, a server that cannot be reached an unreachableError or a
// networkError, and a weir.Error whose code means the caller's input was
// wrong becomes a usage error carrying only its message.
func classify(err error) error {
	if err == nil {
		return nil
	}
	var pe *portInUseError
	if errors.As(err, &pe) {
		return pe
	}
	if errors.Is(err, syscall.EADDRINUSE) {
		addr := "the address"
		var oe *net.OpError
		if errors.As(err, &oe) && oe.Addr != nil {
			addr = oe.Addr.String()
		}
		return &portInUseError{addr: addr, flag: "--port", err: err}
	}
	if cause := networkCause(err); cause != "" {
		var urlErr *url.Error
		if errors.As(err, &urlErr) {
			where := urlErr.URL
			if u, perr := url.Parse(urlErr.URL); perr == nil && u.Host != "" {
				where = u.Scheme + "://" + u.Host
			}
			return &unreachableError{url: where, cause: cause, err: err}
		}
		return &networkError{err: err}
	}
	var ue *usageError
	if errors.As(err, &ue) {
		return ue
	}
	var we *weir.Error
	if errors.As(err, &we) && isCallerError(we.Code) {
		return &usageError{err: errors.New(we.Message), causes: []error{err}}
	}
	return err
}

// networkCause says in a few words why a connection failed, or returns ""
// when err is not a failure to connect.
func networkCause(err error) string {
	var dnsErr *net.DNSError
	var opErr *net.OpError
	switch {
	case errors.As(err, &dnsErr):
		return "no such host " + dnsErr.Name
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.As(err, &opErr) && opErr.Op == "dial":
		if opErr.Timeout() {
			return "timed out"
		}
		return opErr.Err.Error()
	}
	return ""
}

// isCallerError reports whether an error code means the input was wrong, so
// the CLI exits with code 2.
func isCallerError(code string) bool {
	switch code {
	case weir.ErrInvalidParameterValue, weir.ErrResourceDoesNotExist, weir.ErrResourceAlreadyExists,
		weir.ErrBadRequest, weir.ErrInvalidState:
		return true
	}
	return false
}

// safeMessage is err's text, or only the message of a *weir.Error in it:
// without the package prefixes and the MLflow error code that wrap it on
// the way up.
func safeMessage(err error) string {
	var we *weir.Error
	if errors.As(err, &we) {
		return we.Message
	}
	return err.Error()
}

// exitCode returns the process exit code of an error Main.Run returned.
func exitCode(err error) int {
	var ue *usageError
	var pe *portInUseError
	var ne *networkError
	var re *unreachableError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &pe), errors.As(err, &ne), errors.As(err, &re):
		return exitFailure
	case errors.As(err, &ue):
		return exitUsage
	}
	return exitFailure
}

// interruptedError is a command stopped by Ctrl-C or SIGTERM before it
// finished; what says what was cut short and how to carry on.
type interruptedError struct{ what string }

func (e *interruptedError) Error() string { return "interrupted " + e.what }

// Is makes an interruptedError a context.Canceled, which it stands for.
func (e *interruptedError) Is(target error) bool { return target == context.Canceled }

// errorMessage returns the one line main prints for err.
func errorMessage(err error) string {
	var ie *interruptedError
	switch {
	case errors.As(err, &ie):
		return ie.Error()
	case errors.Is(err, context.Canceled):
		return "interrupted: " + firstLine(err.Error())
	}
	return firstLine(err.Error())
}

// firstLine returns the first line of s, joined with the next one when it
// ends in a colon (a database driver's "failed to connect to ...:" puts
// the reason on the line after).
func firstLine(s string) string {
	first, rest, ok := strings.Cut(s, "\n")
	if !ok {
		return s
	}
	if strings.HasSuffix(first, ":") {
		next, _, _ := strings.Cut(rest, "\n")
		return first + " " + strings.TrimSpace(next)
	}
	return first
}
