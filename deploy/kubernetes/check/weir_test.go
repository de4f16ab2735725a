package check

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// repoRoot is Weir's source tree, relative to this package.
const repoRoot = "../../.."

// tmpRoot holds the binaries and files the tests share; TestMain removes it.
var tmpRoot string

func TestMain(m *testing.M) {
	var err error
	if tmpRoot, err = os.MkdirTemp("", "weir-k8s-check-*"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(tmpRoot)
	os.Exit(code)
}

var (
	buildOnce sync.Once
	buildErr  error
)

// binaries builds, once, the full weir binary (the tracking server's and
// the pipeline pods' image) and the serving build that model images hold,
// both static as in the images.
func binaries(t *testing.T) (full, serve string) {
	t.Helper()
	full, serve = filepath.Join(tmpRoot, "weir"), filepath.Join(tmpRoot, "weir-serve")
	buildOnce.Do(func() {
		for _, b := range []struct {
			out  string
			tags []string
		}{{full, nil}, {serve, []string{"-tags", "weir_serve"}}} {
			args := append([]string{"build", "-trimpath", "-o", b.out}, b.tags...)
			cmd := exec.Command("go", append(args, "./cmd/weir")...)
			cmd.Dir = repoRoot
			cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
			if out, err := cmd.CombinedOutput(); err != nil {
				buildErr = fmt.Errorf("go build %s: %v\n%s", b.out, err, out)
				return
			}
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return full, serve
}

var (
	helpMu sync.Mutex
	helps  = map[string]string{}
)

// help returns `bin words... --help`.
func help(t *testing.T, bin string, words []string) string {
	t.Helper()
	helpMu.Lock()
	defer helpMu.Unlock()
	key := bin + " " + strings.Join(words, " ")
	if h, ok := helps[key]; ok {
		return h
	}
	out, err := exec.Command(bin, append(words, "--help")...).Output()
	if err != nil {
		t.Fatalf("%s --help: %v", key, err)
	}
	helps[key] = string(out)
	return helps[key]
}

// commandWords are the leading words of argv that name the command.
func commandWords(args []string) []string {
	var w []string
	for _, a := range args {
		if strings.HasPrefix(a, "-") {
			break
		}
		w = append(w, a)
	}
	return w
}

// sdkEnv are variables the AWS SDK reads itself, as every AWS tool does;
// weir's help does not list them.
var sdkEnv = map[string]bool{"AWS_ACCESS_KEY_ID": true, "AWS_SECRET_ACCESS_KEY": true, "AWS_SESSION_TOKEN": true, "AWS_REGION": true}

var envInHelp = regexp.MustCompile(`\$([A-Z_][A-Z0-9_]*)`)

// checkCommand runs bin with args and --help: the CLI parser accepts every
// flag and value, or exits 2 naming the one it refuses. Each environment
// variable must be one the command reads.
func checkCommand(t *testing.T, where, bin string, args, env []string) {
	t.Helper()
	cmd := exec.Command(bin, append(append([]string{}, args...), "--help")...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("%s: weir %s: the command line is refused: %s", where, strings.Join(args, " "), firstLine(string(out)))
	}
	words := commandWords(args)
	known := map[string]bool{}
	for _, m := range envInHelp.FindAllStringSubmatch(help(t, bin, words), -1) {
		known[m[1]] = true
	}
	for _, e := range env {
		if !known[e] && !sdkEnv[e] {
			t.Errorf("%s: environment variable %s is not one weir %s reads", where, e, strings.Join(words, " "))
		}
	}
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndex(s, "\n"); i >= 0 {
		// kong prints the usage, then the error last.
		return strings.TrimSpace(s[i+1:])
	}
	return s
}

// imageConfig is the part of an OCI image config the manifests depend on.
type imageConfig struct {
	User         string              `json:"User"`
	Entrypoint   []string            `json:"Entrypoint"`
	Cmd          []string            `json:"Cmd"`
	ExposedPorts map[string]struct{} `json:"ExposedPorts"`
	WorkingDir   string              `json:"WorkingDir"`
}

var (
	modelOnce sync.Once
	modelDir  string
	modelCfg  imageConfig
	modelErr  error
)

// modelImage trains the wine example's model and builds its image with
// `weir models build-image`, as a user does before deploying: the model
// directory and the image's config.
func modelImage(t *testing.T) (string, imageConfig) {
	t.Helper()
	full, serve := binaries(t)
	modelOnce.Do(func() { modelDir, modelCfg, modelErr = buildModelImage(full, serve) })
	if modelErr != nil {
		t.Fatal(modelErr)
	}
	return modelDir, modelCfg
}

func buildModelImage(full, serve string) (string, imageConfig, error) {
	var cfg imageConfig
	dir := filepath.Join(tmpRoot, "wine")
	summary := filepath.Join(dir, "summary.json")
	run := exec.Command(full, "pipeline", "run", "examples/wine/pipeline.yaml", "--no-image",
		"--tracking-uri", "sqlite:///"+filepath.Join(dir, "weir.db"), "--artifacts-destination", filepath.Join(dir, "artifacts"),
		"--state-dir", filepath.Join(dir, "state"), "--summary-json", summary)
	run.Dir = repoRoot
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", cfg, err
	}
	if out, err := run.CombinedOutput(); err != nil {
		return "", cfg, fmt.Errorf("weir pipeline run examples/wine: %v\n%s", err, out)
	}
	var sum struct {
		ModelDir string `json:"model_dir"`
	}
	if err := readJSON(summary, &sum); err != nil {
		return "", cfg, err
	}
	layout := filepath.Join(dir, "layout")
	b := exec.Command(full, "models", "build-image", "-m", sum.ModelDir, "-t", "weir-model:test", "--oci-layout", layout, "--weir-binary", serve)
	if out, err := b.CombinedOutput(); err != nil {
		return "", cfg, fmt.Errorf("weir models build-image: %v\n%s", err, out)
	}
	var index struct {
		Manifests []struct {
			Digest      string            `json:"digest"`
			Annotations map[string]string `json:"annotations"`
		} `json:"manifests"`
	}
	if err := readJSON(filepath.Join(layout, "index.json"), &index); err != nil {
		return "", cfg, err
	}
	for _, m := range index.Manifests {
		if m.Annotations["org.opencontainers.image.ref.name"] == "" {
			continue // the SBOM artifact
		}
		var man struct {
			Config struct {
				Digest string `json:"digest"`
			} `json:"config"`
		}
		if err := readJSON(blob(layout, m.Digest), &man); err != nil {
			return "", cfg, err
		}
		var c struct {
			Config imageConfig `json:"config"`
		}
		if err := readJSON(blob(layout, man.Config.Digest), &c); err != nil {
			return "", cfg, err
		}
		return sum.ModelDir, c.Config, nil
	}
	return "", cfg, fmt.Errorf("%s: no image in index.json", layout)
}

func blob(layout, digest string) string {
	alg, hex, _ := strings.Cut(digest, ":")
	return filepath.Join(layout, "blobs", alg, hex)
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	return nil
}

// freePort returns a loopback port nothing listens on.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// serve starts a weir server process and waits until path answers 200.
func serve(t *testing.T, bin string, args []string, port int, path string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	logf := filepath.Join(t.TempDir(), "log")
	f, err := os.Create(logf)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		f.Close()
	})
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if r, err := http.Get(base + path); err == nil {
			r.Body.Close()
			if r.StatusCode == http.StatusOK {
				return base
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	log, _ := os.ReadFile(logf)
	t.Fatalf("weir %s did not answer %s within 30s:\n%s", strings.Join(args, " "), path, log)
	return ""
}

// get returns the status and body of a GET.
func get(t *testing.T, url string) (int, string) {
	t.Helper()
	r, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	var b strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := r.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return r.StatusCode, b.String()
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }
