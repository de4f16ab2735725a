//go:build !weir_serve

package main

import (
	"bufio"
	"context"
	"debug/buildinfo"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/weir-ml/weir/oci"
)

// serveBuildBudget is the most the stripped serving build may weigh: with
// the model and /etc it keeps an image under the 30 MB bar with room to
// spare (the full binary is over 32 MB).
const serveBuildBudget = 25 << 20

// leftOut are what the serving build must not link: the stores, the S3
// artifact store and the AWS SDK, the UI and the image builder, as packages
// of this module (and their sub-packages) and as modules.
var leftOut = []string{
	"github.com/weir-ml/weir/sqlstore", "github.com/weir-ml/weir/s3", "github.com/weir-ml/weir/ui",
	"github.com/weir-ml/weir/oci", "github.com/weir-ml/weir/pipeline",
	"modernc.org/sqlite", "github.com/jackc/pgx", "github.com/aws/", "github.com/google/go-containerregistry",
}

// mustServeBuild returns a serving build of weir: WEIR_TEST_IMAGE_BINARY
// when CI built it with the tag, else one built here exactly as
// build-image builds it.
func mustServeBuild(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("WEIR_TEST_IMAGE_BINARY"); p != "" {
		if bi, err := buildinfo.ReadFile(p); err == nil && oci.IsServeBuild(bi) {
			return p
		}
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skipf("no go command to build the serving build: %v", err)
	}
	out := filepath.Join(t.TempDir(), "weir")
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	start := time.Now()
	if err := oci.BuildBinary(ctx, "go", oci.FindSource("."), oci.DefaultPlatform, out); err != nil {
		t.Fatal(err)
	}
	t.Logf("built the serving build in %s", time.Since(start).Round(time.Second))
	return out
}

// linkedIn are what the serving build must link: objput writes s3://
// inference logs without the AWS SDK.
var linkedIn = []string{"github.com/weir-ml/weir/objput"}

// isLeftOut reports whether pkg is one of leftOut or inside one: a module
// prefix ending in "/", or a package and its sub-packages, so that
// github.com/weir-ml/weir/s3 does not cover a sibling such as s3x.
func isLeftOut(pkg string) bool {
	for _, bad := range leftOut {
		if pkg == bad || strings.HasPrefix(pkg, strings.TrimSuffix(bad, "/")+"/") ||
			(!strings.HasPrefix(bad, "github.com/weir-ml/") && strings.HasPrefix(pkg, bad)) {
			return true
		}
	}
	return false
}

func TestServeBuildLeavesOutStores(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skipf("no go command: %v", err)
	}
	out, err := exec.Command("go", "list", "-tags", oci.ServeTag, "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	pkgs := strings.Fields(string(out))
	for _, pkg := range pkgs {
		if isLeftOut(pkg) {
			t.Errorf("the serving build imports %s", pkg)
		}
	}
	for _, want := range linkedIn {
		if !slices.Contains(pkgs, want) {
			t.Errorf("the serving build does not import %s", want)
		}
	}
}

func TestIsLeftOut(t *testing.T) {
	for _, tt := range []struct {
		pkg  string
		want bool
	}{
		{"github.com/weir-ml/weir/s3", true},
		{"github.com/weir-ml/weir/sqlstore/migrate", true},
		{"github.com/aws/aws-sdk-go-v2/aws/signer/v4", true},
		{"modernc.org/sqlite/lib", true},
		{"github.com/jackc/pgx/v5", true},
		{"github.com/weir-ml/weir/objput", false},
		{"github.com/weir-ml/weir/serve", false},
	} {
		if got := isLeftOut(tt.pkg); got != tt.want {
			t.Errorf("isLeftOut(%q) = %v, want %v", tt.pkg, got, tt.want)
		}
	}
}

func TestServeBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a weir binary")
	}
	bin := mustServeBuild(t)
	st, err := os.Stat(bin)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("serving build: %.1f MB", float64(st.Size())/1e6)
	if st.Size() > serveBuildBudget {
		t.Errorf("serving build is %d bytes, over the budget of %d", st.Size(), serveBuildBudget)
	}
	bi, err := buildinfo.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if !oci.IsServeBuild(bi) {
		t.Errorf("build settings %v lack -tags %s", bi.Settings, oci.ServeTag)
	}
	for _, d := range bi.Deps {
		if isLeftOut(d.Path) {
			t.Errorf("the serving build links module %s", d.Path)
		}
	}

	t.Run("serves like the full build", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "bank-model")
		mustSaveModel(t, dir, 10)
		slim := startServeProcess(t, bin, "models", "serve", "-m", dir, "--port", "0")
		full, _ := startServe(t, "-m", dir)
		for _, c := range []struct{ path, body string }{
			{"/invocations", serveRow},
			{"/invocations", `{"dataframe_split": {"columns": ["age", "job", "balance"], "data": [[47, "manager", 1200], [25, "student", null]]}}`},
			{"/invocations", `{"dataframe_records": [{"age": 47, "balance": 1}]}`},
			{"/v2/models/bank-model/infer", `{"inputs": [{"name": "age", "shape": [1], "datatype": "INT64", "data": [47]}, {"name": "job", "shape": [1], "datatype": "BYTES", "data": ["manager"]}, {"name": "balance", "shape": [1], "datatype": "INT64", "data": [1200]}]}`},
		} {
			gotCode, got := postWithID(t, slim+c.path, c.body)
			wantCode, want := postWithID(t, full+c.path, c.body)
			if gotCode != wantCode || got != want {
				t.Errorf("POST %s %s:\nserving build %d %s\nfull build    %d %s", c.path, c.body, gotCode, got, wantCode, want)
			}
		}
		if err := exec.Command(bin, "models", "ping", "--url", slim+"/ping").Run(); err != nil {
			t.Errorf("models ping: %v", err)
		}
	})

	t.Run("refuses store URIs", func(t *testing.T) {
		cmd := exec.Command(bin, "models", "serve", "-m", "models:/bank/1", "--tracking-uri", "sqlite:///"+filepath.Join(t.TempDir(), "db"), "--port", "0")
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 2 {
			t.Fatalf("exit %v, want 2; output %s", err, out)
		}
		if lines := strings.Split(strings.TrimSpace(string(out)), "\n"); len(lines) != 1 || !strings.Contains(lines[0], "serving build") {
			t.Errorf("output %q, want one line naming the serving build", out)
		}
	})

	t.Run("help and version", func(t *testing.T) {
		out, err := exec.Command(bin, "--help").CombinedOutput()
		if err != nil || !strings.Contains(string(out), "models serve") || strings.Contains(string(out), "experiments") {
			t.Errorf("--help: %v %s", err, out)
		}
		if out, err := exec.Command(bin, "--version").CombinedOutput(); err != nil || len(strings.TrimSpace(string(out))) == 0 {
			t.Errorf("--version: %v %q", err, out)
		}
	})
}

// postWithID posts a JSON body with a fixed X-Request-Id, which Open
// Inference Protocol answers echo, so two servers' answers compare.
func postWithID(t *testing.T, url, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("POST", url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Request-Id", "req-1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// startServeProcess runs a weir binary's models serve until the test ends
// and returns its URL, read from the ready line it logs.
func startServeProcess(t *testing.T, bin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		if err := cmd.Wait(); err != nil {
			t.Errorf("serving build exited: %v", err)
		}
	})
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := readyURL.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
				break
			}
		}
		io.Copy(io.Discard, stderr)
	}()
	select {
	case url := <-found:
		resp, err := http.Get(url + "/ping")
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /ping: %v %v", resp, err)
		}
		resp.Body.Close()
		return url
	case <-time.After(20 * time.Second):
		t.Fatal("the serving build did not log its ready line")
	}
	return ""
}
