package pyworker

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/mlmodel"
)

// Files of a model directory that describe its Python environment.
const (
	pythonEnvFile = "python_env.yaml"
	maxEnvFile    = 1 << 20
)

// readyMarker is written last into a built environment, so that a build
// cut short is rebuilt rather than used.
const readyMarker = ".weir-env-ready"

// pythonEnv is MLflow's python_env.yaml.
type pythonEnv struct {
	Python            string   `yaml:"python"`
	BuildDependencies []string `yaml:"build_dependencies"`
	Dependencies      []string `yaml:"dependencies"`
}

// environment returns the Python interpreter that runs the model, building
// its environment first for EnvVirtualenv and EnvUV.
func environment(ctx context.Context, dir string, o *Options) (string, error) {
	switch o.EnvManager {
	case EnvLocal:
		return basePython(o.Python)
	case EnvVirtualenv, EnvUV:
		return buildEnv(ctx, dir, o)
	}
	return "", weir.Errorf(weir.ErrInvalidParameterValue, "unknown environment manager %q: use local, virtualenv or uv", o.EnvManager)
}

// basePython resolves the interpreter named by --python, WEIR_PYTHON or
// python3 on PATH, in that order.
func basePython(python string) (string, error) {
	from := "--python"
	if python == "" {
		python, from = os.Getenv("WEIR_PYTHON"), "WEIR_PYTHON"
	}
	if python == "" {
		python, from = "python3", "PATH"
	}
	p, err := exec.LookPath(python)
	if err != nil {
		return "", weir.Errorf(weir.ErrInvalidParameterValue,
			"no Python interpreter %q (from %s): install Python with mlflow, or name one with --python or WEIR_PYTHON", python, from)
	}
	return p, nil
}

// buildEnv returns the interpreter of the model's cached environment,
// creating it when the cache has none for these requirements.
func buildEnv(ctx context.Context, dir string, o *Options) (string, error) {
	penvRaw, err := readEnvFile(dir, pythonEnvFile)
	if err != nil {
		return "", err
	}
	reqs, err := readEnvFile(dir, mlmodel.RequirementsFile)
	if err != nil {
		return "", err
	}
	if penvRaw == nil && reqs == nil {
		return "", weir.Errorf(weir.ErrInvalidParameterValue,
			"--env-manager %s needs the model's %s or %s, and %s has neither; use --env-manager local with a Python that can load the model",
			o.EnvManager, pythonEnvFile, mlmodel.RequirementsFile, dir)
	}
	var penv pythonEnv
	if penvRaw != nil {
		if err := yaml.Unmarshal(penvRaw, &penv); err != nil {
			return "", weir.Errorf(weir.ErrInvalidParameterValue, "%s is not valid YAML: %v", pythonEnvFile, err)
		}
	} else {
		penv.Dependencies = []string{"-r " + mlmodel.RequirementsFile}
	}
	for _, d := range append(penv.BuildDependencies, penv.Dependencies...) {
		if strings.HasPrefix(d, "-") && !strings.HasPrefix(d, "-r ") && !strings.HasPrefix(d, "-c ") {
			return "", weir.Errorf(weir.ErrInvalidParameterValue, "%s dependency %q is an installer option other than -r or -c", pythonEnvFile, d)
		}
	}

	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00", o.EnvManager, penvRaw, reqs)
	cache := o.CacheDir
	if cache == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return "", fmt.Errorf("no cache directory for Python environments: %w", err)
		}
		cache = filepath.Join(base, "weir", "pyenv")
	}
	env := filepath.Join(cache, o.EnvManager+"-"+hex.EncodeToString(h.Sum(nil))[:20])
	python := filepath.Join(env, "bin", "python")
	if _, err := os.Stat(filepath.Join(env, readyMarker)); err == nil {
		fmt.Fprintf(o.Log, "using the cached Python environment %s\n", env)
		return python, nil
	}
	if err := os.RemoveAll(env); err != nil {
		return "", err
	}
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return "", err
	}
	fmt.Fprintf(o.Log, "creating a Python environment for the model in %s (%s)\n", env, o.EnvManager)
	var steps [][]string
	switch o.EnvManager {
	case EnvUV:
		uv, err := exec.LookPath("uv")
		if err != nil {
			return "", weir.Errorf(weir.ErrInvalidParameterValue,
				"--env-manager uv needs the uv tool on PATH, and there is none: install it (https://docs.astral.sh/uv/) or use --env-manager virtualenv")
		}
		create := []string{uv, "venv"}
		if penv.Python != "" {
			create = append(create, "--python", penv.Python)
		}
		steps = append(steps, append(create, env))
		install := []string{uv, "pip", "install", "--python", python}
		if len(penv.BuildDependencies) > 0 {
			steps = append(steps, append(install, penv.BuildDependencies...))
		}
		steps = append(steps, append(install, splitDeps(penv.Dependencies)...))
	default:
		base, err := basePython(o.Python)
		if err != nil {
			return "", err
		}
		steps = append(steps, []string{base, "-m", "venv", env})
		install := []string{python, "-m", "pip", "install", "--disable-pip-version-check"}
		if len(penv.BuildDependencies) > 0 {
			steps = append(steps, append(install, penv.BuildDependencies...))
		}
		steps = append(steps, append(install, splitDeps(penv.Dependencies)...))
		if penv.Python != "" {
			fmt.Fprintf(o.Log, "the model wants Python %s; the environment uses %s's version\n", penv.Python, base)
		}
	}
	for _, step := range steps {
		if err := runStep(ctx, dir, o.Log, step); err != nil {
			os.RemoveAll(env)
			return "", err
		}
	}
	if err := os.WriteFile(filepath.Join(env, readyMarker), nil, 0o644); err != nil {
		return "", err
	}
	return python, nil
}

// splitDeps turns "-r requirements.txt" entries into the two arguments an
// installer takes.
func splitDeps(deps []string) []string {
	var out []string
	for _, d := range deps {
		if opt, file, ok := strings.Cut(d, " "); ok && (opt == "-r" || opt == "-c") {
			out = append(out, opt, strings.TrimSpace(file))
			continue
		}
		out = append(out, d)
	}
	return out
}

// runStep runs one build command in the model directory (where -r paths
// point), copying its output to log line by line.
func runStep(ctx context.Context, dir string, log io.Writer, args []string) error {
	fmt.Fprintf(log, "$ %s\n", strings.Join(args, " "))
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Dir = dir
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	t := &tail{prefix: "  ", log: log}
	done := make(chan struct{})
	go func() {
		s := bufio.NewScanner(pr)
		s.Buffer(make([]byte, 64<<10), 1<<20)
		for s.Scan() {
			t.Write(append(s.Bytes(), '\n'))
		}
		io.Copy(io.Discard, pr)
		close(done)
	}()
	err := cmd.Run()
	pw.Close()
	<-done
	if err != nil {
		return fmt.Errorf("building the model's Python environment: %s failed (%v); its output ends:\n%s",
			filepath.Base(args[0]), err, t.String())
	}
	return nil
}

// readEnvFile reads a small regular file of the model directory, or
// returns nil when there is none.
func readEnvFile(dir, name string) ([]byte, error) {
	path := filepath.Join(dir, name)
	fi, err := os.Lstat(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "%s in the model directory is not a regular file", name)
	}
	if fi.Size() > maxEnvFile {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "%s is %d bytes, more than the %d Weir reads", name, fi.Size(), maxEnvFile)
	}
	return os.ReadFile(path)
}
