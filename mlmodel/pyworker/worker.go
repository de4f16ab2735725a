package pyworker

import (
	"bufio"
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

//go:embed worker.py
var script string

// scriptEnv is the environment variable that hands the worker its script;
// bootstrap runs it.
const (
	scriptEnv = "WEIR_PYWORKER_SCRIPT"
	bootstrap = "import os; exec(compile(os.environ.pop('" + scriptEnv + "'), 'weir-pyworker.py', 'exec'))"
)

// worker is one Python process serving the model.
type worker struct {
	slot   int
	cmd    *exec.Cmd
	stdin  *os.File // Weir's end of the request pipe
	stdout *os.File // Weir's end of the answer pipe
	rd     *bufio.Reader
	stderr *tail
	exited chan struct{} // closed once the process has been waited for
	err    error         // the process's exit, once exited is closed
}

// spec is what starting a worker needs.
type spec struct {
	python  string
	dir     string
	columns string // the inputs as JSON: [{"name": ..., "type": ...}]
	env     []string
	log     io.Writer
}

// startWorker starts a worker and waits until it has loaded the model, at
// most timeout; cancel, when it fires, kills the start.
func startWorker(s *spec, slot int, timeout time.Duration, cancel <-chan struct{}) (*worker, error) {
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return nil, err
	}
	w := &worker{slot: slot, stdin: inW, stdout: outR, exited: make(chan struct{}),
		stderr: &tail{prefix: fmt.Sprintf("python worker %d: ", slot), log: s.log}}
	w.rd = bufio.NewReaderSize(outR, 64<<10)
	// The script travels in the environment, which the bootstrap empties,
	// so that ps shows a short command line.
	cmd := exec.Command(s.python, "-c", bootstrap, s.dir, s.columns)
	cmd.Env = append(s.env[:len(s.env):len(s.env)], scriptEnv+"="+script)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = inR, outW, w.stderr
	cmd.SysProcAttr = sysProcAttr()
	cmd.WaitDelay = time.Second
	err = cmd.Start()
	inR.Close()
	outW.Close()
	if err != nil {
		inW.Close()
		outR.Close()
		return nil, fmt.Errorf("starting %s: %w", s.python, err)
	}
	w.cmd = cmd
	go func() {
		w.err = cmd.Wait()
		close(w.exited)
	}()

	stop := make(chan struct{})
	var timedOut atomic.Bool
	go func() {
		t := time.NewTimer(timeout)
		defer t.Stop()
		select {
		case <-stop:
		case <-t.C:
			timedOut.Store(true)
			w.kill()
		case <-cancel:
			w.kill()
		}
	}()
	payload, err := readFrame(w.rd)
	close(stop)
	switch {
	case err == nil && payload[0] == kindReady:
		return w, nil
	case err == nil && payload[0] == kindFailed:
		var f struct{ Message string }
		json.Unmarshal(payload[1:], &f)
		err = errors.New(f.Message)
	case err == nil:
		err = fmt.Errorf("worker sent a frame of kind %q before it was ready", payload[0])
	case timedOut.Load():
		err = fmt.Errorf("the model did not load within %v", timeout)
	default:
		w.kill()
		<-w.exited
		err = fmt.Errorf("worker exited before loading the model (%v)", w.err)
	}
	w.stop(time.Second)
	if t := w.stderr.String(); t != "" {
		err = fmt.Errorf("%w; its stderr ends:\n%s", err, t)
	}
	return nil, err
}

// call sends one request frame and reads the answer, killing the worker
// when it takes longer than timeout. An error means the worker is lost.
func (w *worker) call(req []byte, timeout time.Duration) ([]byte, error) {
	t := time.AfterFunc(timeout, w.kill)
	if _, err := w.stdin.Write(req); err != nil {
		t.Stop()
		return nil, w.lost(err, false)
	}
	payload, err := readFrame(w.rd)
	if !t.Stop() {
		return nil, w.lost(err, true)
	}
	if err != nil {
		return nil, w.lost(err, false)
	}
	return payload, nil
}

// lost describes why a worker failed a request, once it has exited.
func (w *worker) lost(err error, timedOut bool) error {
	w.kill()
	select {
	case <-w.exited:
	case <-time.After(2 * time.Second):
	}
	if timedOut {
		return fmt.Errorf("timed out")
	}
	if w.err != nil {
		return fmt.Errorf("exited (%v)", w.err)
	}
	return err
}

// kill sends SIGKILL to the worker and everything it started.
func (w *worker) kill() { signalGroup(w.cmd.Process, true) }

// stop ends the worker: closes its stdin (it exits on EOF), sends SIGTERM,
// and SIGKILL after grace. It returns once the process has been waited for.
func (w *worker) stop(grace time.Duration) {
	w.stdin.Close()
	select {
	case <-w.exited:
	default:
		signalGroup(w.cmd.Process, false)
		t := time.NewTimer(grace)
		select {
		case <-w.exited:
		case <-t.C:
			w.kill()
			<-w.exited
		}
		t.Stop()
	}
	// The model may have started processes of its own in the group.
	w.kill()
	w.stdout.Close()
}

// tail keeps the last lines a worker wrote to stderr and copies every line
// to log.
type tail struct {
	prefix string
	log    io.Writer
	mu     sync.Mutex
	lines  []string
	part   []byte
}

const tailLines = 20

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.part = append(t.part, p...)
	for {
		i := bytes.IndexByte(t.part, '\n')
		if i < 0 {
			break
		}
		t.add(string(t.part[:i]))
		t.part = t.part[i+1:]
	}
	if len(t.part) > 4096 { // a line without end: keep it readable
		t.add(string(t.part))
		t.part = t.part[:0]
	}
	return len(p), nil
}

func (t *tail) add(line string) {
	if len(line) > 1000 {
		line = line[:1000] + "..."
	}
	if len(t.lines) == tailLines {
		copy(t.lines, t.lines[1:])
		t.lines = t.lines[:tailLines-1]
	}
	t.lines = append(t.lines, line)
	fmt.Fprintf(t.log, "%s%s\n", t.prefix, line)
}

// String returns the last lines, the unfinished one included.
func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	lines := t.lines
	if len(t.part) > 0 {
		lines = append(lines[:len(lines):len(lines)], string(t.part))
	}
	return strings.Join(lines, "\n")
}
