package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
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

// globals are passed to every command's Run.
type globals struct {
	ctx    context.Context
	stdout io.Writer
	stderr io.Writer
	logger *slog.Logger
	getenv func(string) string
}

// Run parses args and runs the chosen command until it finishes or ctx is
// cancelled. Its error decides the exit code (exitCode): a usage error for
// bad input, anything else a runtime failure.
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
		return parseError(err)
	}
	g := &globals{
		ctx:    ctx,
		stdout: m.Stdout,
		stderr: m.Stderr,
		logger: newLogger(m.Stderr, c.LogLevel),
		getenv: m.Getenv,
	}
	return classify(kctx.Run(g))
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))
}

// parseError is a usage error for what the command line parser rejected,
// with a missing file said plainly ("<spec> p.yaml: no such file" rather
// than "<spec>: stat p.yaml: no such file or directory"), and the help to
// read: "unknown flag --bogus (weir runs list --help)".
func parseError(err error) error {
	msg := err.Error()
	var pe *fs.PathError
	if errors.As(err, &pe) && errors.Is(err, fs.ErrNotExist) {
		if arg, _, ok := strings.Cut(msg, ": "); ok && !strings.Contains(arg, " ") {
			msg = arg + " " + pe.Path + ": no such file"
		}
	}
	help := "weir --help"
	var ke *kong.ParseError
	if errors.As(err, &ke) && ke.Context != nil {
		var cmd []string
		for _, p := range ke.Context.Path {
			if p.Command != nil {
				cmd = append(cmd, p.Command.Name)
			}
		}
		help = strings.Join(append(append([]string{"weir"}, cmd...), "--help"), " ")
	}
	return &usageError{err: fmt.Errorf("%s (%s)", msg, help), causes: []error{err}}
}
