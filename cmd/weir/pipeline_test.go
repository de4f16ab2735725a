//go:build !weir_serve

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/weir-ml/weir/pipeline"
)

// runMainErr runs one weir command in-process and returns both streams.
func runMainErr(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	m := &Main{Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }}
	err = m.Run(context.Background(), args)
	return out.String(), errOut.String(), err
}

func TestPipelineCheck(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	if err := os.WriteFile(good, pipeline.BankMarketing, 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, err := runMainErr(t, "pipeline", "check", good)
	if err != nil {
		t.Fatal(err)
	}
	if want := "ok: bank-marketing, 3 candidates, task from the target, split time\n"; out != want {
		t.Errorf("check stdout = %q, want %q", out, want)
	}

	one := filepath.Join(dir, "one.yaml")
	src := strings.Replace(string(pipeline.BankMarketing), "kind: time", "kind: tme", 1)
	if err := os.WriteFile(one, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err = runMainErr(t, "pipeline", "check", one)
	var ue *usageError
	if !errors.As(err, &ue) || !strings.HasPrefix(err.Error(), one+":") || !strings.Contains(err.Error(), `split.kind: "tme" is not a split kind; did you mean "time"?`) {
		t.Errorf("check of one problem: error = %v, want a usage error (exit 2) naming the file, line and field", err)
	}

	several := filepath.Join(dir, "several.yaml")
	src = strings.Replace(src, "seed: 42", "seed: x", 1)
	if err := os.WriteFile(several, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, err := runMainErr(t, "pipeline", "check", several)
	if !errors.As(err, &ue) || err.Error() != several+": 2 problems in the pipeline spec" {
		t.Errorf("check of two problems: error = %v, want a usage error counting them", err)
	}
	if lines := strings.Split(strings.TrimSpace(stderr), "\n"); len(lines) != 2 || !strings.Contains(lines[0], ": seed: want a whole number") {
		t.Errorf("check stderr = %q, want one line per problem", stderr)
	}

	// run reads the spec the same way, before it opens anything.
	_, _, err = runMainErr(t, "pipeline", "run", one, "--tracking-uri", "sqlite:///"+filepath.Join(dir, "weir.db"))
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "split.kind") {
		t.Errorf("run of a bad spec: error = %v, want the check's usage error", err)
	}
}

func TestPipelineSchema(t *testing.T) {
	out, _, err := runMainErr(t, "pipeline", "schema")
	if err != nil {
		t.Fatal(err)
	}
	var s map[string]any
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatalf("schema is not JSON: %v", err)
	}
	if got, want := s["$schema"], pipeline.SchemaURI; got != want {
		t.Errorf("$schema = %v, want %v", got, want)
	}
}

func TestPipelineInit(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("age,plan,bought\n")
	for i := range 100 {
		fmt.Fprintf(&b, "%d,%s,%s\n", 20+i%50, []string{"a", "b"}[i%2], []string{"no", "no", "yes"}[i%3])
	}
	data := filepath.Join(dir, "shop.csv")
	if err := os.WriteFile(data, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	spec := filepath.Join(dir, "shop.yaml")
	_, stderr, err := runMainErr(t, "pipeline", "init", "--data", data, "--target", "bought", "-o", spec)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stderr, "task: binary") || !strings.Contains(stderr, "split: random") {
		t.Errorf("init stderr = %q, want the inferred task and split", stderr)
	}
	out, _, err := runMainErr(t, "pipeline", "check", spec)
	if err != nil || !strings.HasPrefix(out, "ok: shop, 3 candidates, task binary, split random") {
		t.Errorf("check of the written spec = %q, %v", out, err)
	}
	_, _, err = runMainErr(t, "pipeline", "init", "--data", data, "--target", "bought", "-o", spec)
	var ue *usageError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "exists") {
		t.Errorf("init over an existing file: error = %v, want a usage error", err)
	}
}
