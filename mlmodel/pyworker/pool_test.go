//go:build linux

package pyworker

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/ml/frame"
	"github.com/weir-ml/weir/mlmodel"
)

// models is the directory the saved test models are in, once saveModels
// has run.
var (
	modelsOnce sync.Once
	modelsDir  string
	modelsErr  error
)

// mustModel returns the directory of a test model saved by
// testdata/save_models.py with the Python in WEIR_PYTHON, and its parsed
// MLmodel. The test is skipped when WEIR_PYTHON is unset.
func mustModel(tb testing.TB, name string) (string, *mlmodel.File) {
	tb.Helper()
	python := os.Getenv("WEIR_PYTHON")
	if python == "" {
		tb.Skip("WEIR_PYTHON is unset: set it to a Python with mlflow (e.g. /work/main/.venv/bin/python) to run the Python worker tests")
	}
	modelsOnce.Do(func() {
		modelsDir, modelsErr = os.MkdirTemp("", "pyworker-test-*")
		if modelsErr != nil {
			return
		}
		out, err := exec.Command(python, "testdata/save_models.py", modelsDir).CombinedOutput()
		if err != nil {
			modelsErr = fmt.Errorf("save_models.py: %v\n%s", err, out)
		}
	})
	if modelsErr != nil {
		tb.Fatal(modelsErr)
	}
	dir := filepath.Join(modelsDir, name)
	b, err := os.ReadFile(filepath.Join(dir, mlmodel.MLmodelFile))
	if err != nil {
		tb.Fatal(err)
	}
	f, err := mlmodel.ParseFile(b)
	if err != nil {
		tb.Fatal(err)
	}
	return dir, f
}

func TestMain(m *testing.M) {
	code := m.Run()
	if modelsDir != "" {
		os.RemoveAll(modelsDir)
	}
	os.Exit(code)
}

// mustOpen opens a Pool on a test model and closes it when the test ends.
func mustOpen(tb testing.TB, name string, opts Options) *Pool {
	tb.Helper()
	dir, f := mustModel(tb, name)
	p, err := Open(context.Background(), dir, f, opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { p.Close() })
	return p
}

// expected reads the rows a test model was scored on in Python and the
// body MLflow's scoring server wrote for them.
func expected(tb testing.TB, name string, inputs []mlmodel.Input) ([][]any, string) {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(modelsDir, name+".json"))
	if err != nil {
		tb.Fatal(err)
	}
	var e struct {
		Rows   map[string][]any
		Answer string
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(&e); err != nil {
		tb.Fatal(err)
	}
	var rows [][]any
	for j, in := range inputs {
		for i, v := range e.Rows[in.Name] {
			if j == 0 {
				rows = append(rows, make([]any, len(inputs)))
			}
			if n, ok := v.(json.Number); ok {
				if in.Kind == mlKindInt {
					v, _ = strconv.ParseInt(string(n), 10, 64)
				} else {
					v, _ = strconv.ParseFloat(string(n), 64)
				}
			}
			rows[i][j] = v
		}
	}
	return rows, e.Answer
}

// score scores rows and returns the body MLflow's server would write.
func score(tb testing.TB, p *Pool, rows [][]any) (string, *mlmodel.Scores, error) {
	tb.Helper()
	var sc mlmodel.Scores
	sc.Resize(len(rows), 0)
	if err := p.Score(rows, &sc); err != nil {
		return "", nil, err
	}
	parts := make([]string, len(rows))
	for i := range rows {
		parts[i] = string(sc.Raw[i])
	}
	return `{"predictions": [` + strings.Join(parts, ", ") + `]}`, &sc, nil
}

// Each model's answers are byte for byte what MLflow's scoring server
// writes for the same rows: a DataFrame as records, a list of strings, an
// array of numbers.
func TestScoreMatchesMLflow(t *testing.T) {
	for _, name := range []string{"frame", "strings", "behave"} {
		t.Run(name, func(t *testing.T) {
			p := mustOpen(t, name, Options{})
			rows, want := expected(t, name, p.Inputs())
			got, sc, err := score(t, p, rows)
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("answer:\n got %s\nwant %s", got, want)
			}
			if name == "behave" {
				// Numbers are in Value too, for drift gauges.
				if sc.Value[0] != 2 || sc.Value[1] != 5 {
					t.Errorf("Value = %v, want [2 5]", sc.Value)
				}
			} else if !math.IsNaN(sc.Value[0]) {
				t.Errorf("Value[0] = %v for a non-number answer, want NaN", sc.Value[0])
			}
		})
	}
}

func TestInputsOutput(t *testing.T) {
	p := mustOpen(t, "frame", Options{})
	var names []string
	for _, in := range p.Inputs() {
		names = append(names, fmt.Sprintf("%s:%v:%v", in.Name, in.Kind, in.Required))
	}
	if got, want := strings.Join(names, " "), "x:float:true n:int:true s:categorical:true"; got != want {
		t.Errorf("inputs = %s, want %s", got, want)
	}
	if got, want := p.Output(), (mlmodel.Output{Predict: mlmodel.PredictRaw}); got.Predict != want.Predict || got.Task != "" {
		t.Errorf("output = %+v, want %+v", got, want)
	}
}

// An exception in predict fails that request with its message, as a
// *weir.Error (a 400), and the worker goes on serving.
func TestPredictRaises(t *testing.T) {
	p := mustOpen(t, "behave", Options{})
	pid := pids(p)[0]
	_, _, err := score(t, p, [][]any{{-1.0}})
	var we *weir.Error
	if !errors.As(err, &we) || we.Code != weir.ErrBadRequest || !strings.Contains(we.Message, "ValueError: x must not be negative") {
		t.Fatalf("err = %v, want a BAD_REQUEST *weir.Error with the ValueError", err)
	}
	if errors.Is(err, ErrUnavailable) {
		t.Errorf("err matches ErrUnavailable, want a plain model error")
	}
	got, _, err := score(t, p, [][]any{{1.0}})
	if err != nil || got != `{"predictions": [2.0]}` {
		t.Fatalf("after the exception: got %s, %v", got, err)
	}
	if after := pids(p)[0]; after != pid {
		t.Errorf("worker pid %d became %d: the exception restarted it", pid, after)
	}
}

// A worker killed in the middle of a request fails that request at once
// with an ErrUnavailable error, and a new worker serves the next one.
func TestWorkerKilled(t *testing.T) {
	p := mustOpen(t, "behave", Options{})
	pid := pids(p)[0]
	errc := make(chan error, 1)
	start := time.Now()
	go func() {
		_, _, err := score(t, p, [][]any{{999.0}})
		errc <- err
	}()
	time.Sleep(300 * time.Millisecond)
	syscall.Kill(pid, syscall.SIGKILL)
	select {
	case err := <-errc:
		if !errors.Is(err, ErrUnavailable) {
			t.Fatalf("err = %v, want ErrUnavailable", err)
		}
		var we *weir.Error
		if !errors.As(err, &we) || we.Code != weir.ErrTemporarilyUnavailable {
			t.Errorf("err = %v, want a TEMPORARILY_UNAVAILABLE *weir.Error", err)
		}
		if d := time.Since(start); d > 1300*time.Millisecond {
			t.Errorf("error came %v after the request, want within a second of the kill", d)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the request hung after its worker was killed")
	}
	got, _, err := score(t, p, [][]any{{2.0}})
	if err != nil || got != `{"predictions": [4.0]}` {
		t.Fatalf("after the restart: got %s, %v", got, err)
	}
	if after := pids(p)[0]; after == pid {
		t.Errorf("the worker was not restarted (pid %d)", pid)
	}
}

// A request that takes longer than RequestTimeout fails and its worker is
// replaced.
func TestRequestTimeout(t *testing.T) {
	p := mustOpen(t, "behave", Options{RequestTimeout: 500 * time.Millisecond})
	start := time.Now()
	_, _, err := score(t, p, [][]any{{999.0}})
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "timed out") {
		t.Fatalf("err = %v, want ErrUnavailable saying it timed out", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("timed out after %v, want about 500ms", d)
	}
	if _, _, err := score(t, p, [][]any{{1.0}}); err != nil {
		t.Fatalf("after the timeout: %v", err)
	}
}

// Close ends every worker and the processes the model started, leaving no
// child of the test behind.
func TestCloseLeavesNoProcesses(t *testing.T) {
	dir, f := mustModel(t, "behave")
	p, err := Open(context.Background(), dir, f, Options{Workers: 2, StopGrace: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	workers := pids(p)
	_, sc, err := score(t, p, [][]any{{777.0}})
	if err != nil {
		t.Fatal(err)
	}
	grandchild := int(sc.Value[0])
	if !running(grandchild) {
		t.Fatalf("the model's child %d is not running before Close", grandchild)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	for _, pid := range append(workers, grandchild) {
		if running(pid) {
			t.Errorf("process %d still runs after Close", pid)
		}
	}
	if kids := children(t); len(kids) > 0 {
		t.Errorf("the test process still has children %v after Close", kids)
	}
	if _, _, err := score(t, p, [][]any{{1.0}}); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Score after Close: err = %v, want ErrUnavailable", err)
	}
}

// Two workers score two slow requests at the same time, and many
// concurrent requests each get their own answers.
func TestConcurrentWorkers(t *testing.T) {
	p := mustOpen(t, "behave", Options{Workers: 2})
	start := time.Now()
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, _, err := score(t, p, [][]any{{500.0}}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if d := time.Since(start); d > 900*time.Millisecond {
		t.Errorf("two 0.5 s requests on two workers took %v, want under 0.9 s", d)
	}
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				x := float64(g*100 + i)
				got, _, err := score(t, p, [][]any{{x}, {x + 0.5}})
				want := fmt.Sprintf(`{"predictions": [%.1f, %.1f]}`, 2*x, 2*x+1)
				if err != nil || got != want {
					t.Errorf("x=%v: got %s, %v, want %s", x, got, err, want)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// A model that cannot load fails Open with the reason and the worker's
// stderr, and leaves no process.
func TestOpenFails(t *testing.T) {
	dir, f := mustModel(t, "behave")
	broken := t.TempDir()
	for _, name := range []string{"MLmodel", "python_env.yaml", "requirements.txt"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(broken, name), b, 0o644)
	}
	os.WriteFile(filepath.Join(broken, "python_model.pkl"), []byte("not a pickle"), 0o644)
	_, err := Open(context.Background(), broken, f, Options{})
	if err == nil || !strings.Contains(err.Error(), "load_model failed") || !strings.Contains(err.Error(), "its stderr ends:\nTraceback") {
		t.Fatalf("err = %v, want load_model failed with the traceback", err)
	}
	if kids := children(t); len(kids) > 0 {
		t.Errorf("children %v left after a failed Open", kids)
	}

	_, err = Open(context.Background(), dir, f, Options{Python: "/bin/false-python-nowhere"})
	if err == nil || !strings.Contains(err.Error(), "no Python interpreter") {
		t.Errorf("err = %v, want no Python interpreter", err)
	}
	// A Python without mlflow: the worker says so.
	noMLflow := filepath.Join(t.TempDir(), "python")
	os.WriteFile(noMLflow, []byte("#!/bin/sh\nexec "+os.Getenv("WEIR_PYTHON")+" -S -I \"$@\"\n"), 0o755)
	_, err = Open(context.Background(), dir, f, Options{Python: noMLflow})
	if err == nil || !strings.Contains(err.Error(), "mlflow is not importable") {
		t.Errorf("err = %v, want mlflow is not importable", err)
	}
}

// mlKindInt is the kind of integer columns.
var mlKindInt = mustKind("long")

func mustKind(t string) (k frame.Kind) {
	k, err := mlmodel.Kind(t)
	if err != nil {
		panic(err)
	}
	return k
}

// pids returns the process ids of the Pool's live workers.
func pids(p *Pool) []int {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []int
	for w := range p.live {
		out = append(out, w.cmd.Process.Pid)
	}
	return out
}

// running reports whether pid is a live process (not gone, not a zombie).
func running(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(b, ')')
	return i < 0 || i+2 >= len(b) || b[i+2] != 'Z'
}

// children lists the live child processes of the test, from /proc.
func children(tb testing.TB) []int {
	tb.Helper()
	ents, err := os.ReadDir("/proc")
	if err != nil {
		tb.Skip("no /proc to check for processes")
	}
	self := os.Getpid()
	var out []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(b[i+1:]))
		if len(f) > 1 && f[1] == strconv.Itoa(self) && f[0] != "Z" {
			out = append(out, pid)
		}
	}
	return out
}

// Missing values take MLflow's own cast: a missing double is NaN, a
// missing long fails the request as MLflow's server fails it.
func TestMissingValues(t *testing.T) {
	p := mustOpen(t, "frame", Options{})
	got, _, err := score(t, p, [][]any{{nil, int64(1), "a"}})
	if err != nil || got != `{"predictions": [{"doubled": NaN, "tag": "a:1"}]}` {
		t.Errorf("missing double: got %s, %v", got, err)
	}
	_, _, err = score(t, p, [][]any{{1.0, nil, "a"}})
	var we *weir.Error
	if !errors.As(err, &we) || !strings.Contains(we.Message, "Failed to convert column n") {
		t.Errorf("missing long: err = %v, want MLflow's failed conversion of column n", err)
	}
}

// A model that does not load within LoadTimeout fails Open with the end of
// its stderr, and leaves no process.
func TestLoadTimeout(t *testing.T) {
	dir, f := mustModel(t, "slowload")
	start := time.Now()
	_, err := Open(context.Background(), dir, f, Options{LoadTimeout: 10 * time.Second})
	if err == nil || !strings.Contains(err.Error(), "did not load within 10s") || !strings.Contains(err.Error(), "slowload: loading takes a minute") {
		t.Fatalf("err = %v, want a load timeout with the model's stderr", err)
	}
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("Open gave up after %v, want about 10s", d)
	}
	if kids := children(t); len(kids) > 0 {
		t.Errorf("children %v left after the timeout", kids)
	}
}

// Cancelling Open's context stops the start at once.
func TestOpenCancelled(t *testing.T) {
	dir, f := mustModel(t, "slowload")
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	start := time.Now()
	_, err := Open(ctx, dir, f, Options{Workers: 2})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the context's deadline", err)
	}
	if d := time.Since(start); d > 4*time.Second {
		t.Errorf("Open returned %v after its context ended", d)
	}
	if kids := children(t); len(kids) > 0 {
		t.Errorf("children %v left after the cancel", kids)
	}
}
