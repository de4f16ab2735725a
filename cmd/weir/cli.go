package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/alecthomas/kong"

	"github.com/weir-ml/weir"
)

// Main runs one weir command. Tests construct it with their own writers and
// call Run, exactly as main does.
type Main struct {
	Stdout io.Writer
	Stderr io.Writer
	// Getenv reads configuration from the environment; tests replace it.
	Getenv func(string) string
}

// NewMain returns a Main wired to the process's standard streams.
func NewMain() *Main {
	return &Main{Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
}

// usageError marks errors caused by the caller's input: exit code 2.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// globals are passed to every command's Run.
type globals struct {
	ctx    context.Context
	stdout io.Writer
	stderr io.Writer
	logger *slog.Logger
	getenv func(string) string
}

// Run parses args and runs the chosen command until it finishes or ctx is
// cancelled.
func (m *Main) Run(ctx context.Context, args []string) error {
	var c cli
	exited := false
	parser, err := kong.New(&c,
		kong.Name("weir"),
		kong.Description(description),
		kong.Writers(m.Stdout, m.Stderr),
		kong.Vars{"version": weir.Version},
		kong.Exit(func(int) { exited = true }),
		kong.UsageOnError(),
	)
	if err != nil {
		return err
	}
	kctx, err := parser.Parse(args)
	if exited {
		return nil // --help or --version printed
	}
	if err != nil {
		return &usageError{err}
	}
	g := &globals{
		ctx:    ctx,
		stdout: m.Stdout,
		stderr: m.Stderr,
		logger: newLogger(m.Stderr, c.LogLevel),
		getenv: m.Getenv,
	}
	err = kctx.Run(g)
	var we *weir.Error
	if errors.As(err, &we) && isCallerError(we.Code) {
		return &usageError{errors.New(we.Message)}
	}
	return err
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

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func usagef(format string, args ...any) error {
	return &usageError{fmt.Errorf(format, args...)}
}
