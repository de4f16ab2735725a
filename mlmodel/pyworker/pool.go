package pyworker

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/mlmodel"
)

// Pool is a set of Python workers serving one model. It is an
// mlmodel.Scorer: Score sends each batch to an idle worker. A worker that
// dies or times out is restarted, with a growing delay when restarts keep
// failing, and the batch it held fails with an error matching
// ErrUnavailable.
type Pool struct {
	spec   spec
	opts   Options
	inputs []mlmodel.Input
	output mlmodel.Output

	idle chan *worker
	done chan struct{} // closed by Close

	mu      sync.Mutex
	closed  bool
	live    map[*worker]bool // every started worker not yet stopped
	restart sync.WaitGroup
}

var _ mlmodel.Scorer = (*Pool)(nil)

// Open starts opts.Workers workers for the model in dir, whose MLmodel file
// is f, and returns once every one has loaded the model. The model must
// have a python_function flavor and a signature of named columns: the
// server reads requests by the signature's column names and types. ctx
// bounds the start (building an environment and loading the model), not
// the Pool's life.
func Open(ctx context.Context, dir string, f *mlmodel.File, opts Options) (p *Pool, err error) {
	defer weir.Wrap(&err, "serving %s with Python", dir)
	opts.defaults()
	if _, ok := f.Flavors["python_function"]; !ok {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "the model has no python_function flavor, so mlflow.pyfunc cannot load it")
	}
	p = &Pool{opts: opts, idle: make(chan *worker, opts.Workers), done: make(chan struct{}), live: map[*worker]bool{}}
	cols, err := p.readSignature(f)
	if err != nil {
		return nil, err
	}
	python, err := environment(ctx, dir, &opts)
	if err != nil {
		return nil, err
	}
	p.spec = spec{python: python, dir: dir, columns: cols, env: os.Environ(), log: opts.Log}

	// Start the workers together: each loads the model on its own.
	errs := make([]error, opts.Workers)
	var wg sync.WaitGroup
	cancel := make(chan struct{})
	stopCancel := context.AfterFunc(ctx, func() { close(cancel) })
	defer stopCancel()
	for i := range opts.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w, err := startWorker(&p.spec, i, opts.LoadTimeout, cancel)
			if err != nil {
				errs[i] = err
				return
			}
			p.track(w)
			p.idle <- w
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			p.Close()
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, fmt.Errorf("python worker %d: %w", i, err)
		}
	}
	return p, nil
}

// Inputs returns the columns of the model's signature.
func (p *Pool) Inputs() []mlmodel.Input { return p.inputs }

// Output says that each row's answer is the JSON the model's predict gave.
func (p *Pool) Output() mlmodel.Output { return p.output }

// Score sends rows to an idle worker and fills out.Raw (and out.Value for
// numbers). An exception in predict is a *weir.Error with the exception's
// message; a worker lost while it held the batch gives an error matching
// ErrUnavailable.
func (p *Pool) Score(rows [][]any, out *mlmodel.Scores) error {
	if len(rows) == 0 {
		return nil
	}
	req, err := appendRequest(nil, p.inputs, rows)
	if err != nil {
		return err
	}
	w, err := p.acquire()
	if err != nil {
		return err
	}
	payload, err := w.call(req, p.opts.RequestTimeout)
	if err != nil {
		p.lose(w)
		return unavailable("the Python worker running the model %s while scoring this request; it is being restarted", err)
	}
	p.idle <- w
	switch payload[0] {
	case kindAnswers:
		if err := decodeAnswers(payload, len(rows), out); err != nil {
			return fmt.Errorf("pyworker: %w", err)
		}
		return nil
	case kindError:
		return decodeError(payload)
	}
	return fmt.Errorf("pyworker: worker answered with a frame of kind %q", payload[0])
}

// acquire waits for an idle worker.
func (p *Pool) acquire() (*worker, error) {
	select {
	case <-p.done:
		return nil, unavailable("the model's Python workers are shutting down")
	default:
	}
	select {
	case w := <-p.idle:
		return w, nil
	default:
	}
	t := time.NewTimer(p.opts.WaitTimeout)
	defer t.Stop()
	select {
	case w := <-p.idle:
		return w, nil
	case <-p.done:
		return nil, unavailable("the model's Python workers are shutting down")
	case <-t.C:
		return nil, unavailable("no Python worker became free within %v", p.opts.WaitTimeout)
	}
}

// track records a started worker, so that Close stops it.
func (p *Pool) track(w *worker) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	p.live[w] = true
	return true
}

// lose stops a failed worker and starts a replacement in its slot.
func (p *Pool) lose(w *worker) {
	p.mu.Lock()
	delete(p.live, w)
	closed := p.closed
	if !closed {
		p.restart.Add(1)
	}
	p.mu.Unlock()
	w.stop(p.opts.StopGrace)
	if closed {
		return
	}
	fmt.Fprintf(p.opts.Log, "python worker %d: lost, restarting\n", w.slot)
	go p.replace(w.slot)
}

// replace starts a worker in slot until one loads or the Pool closes,
// waiting longer after each failed start (up to 30 seconds).
func (p *Pool) replace(slot int) {
	defer p.restart.Done()
	delay := time.Duration(0)
	for {
		if delay > 0 {
			t := time.NewTimer(delay)
			select {
			case <-p.done:
				t.Stop()
				return
			case <-t.C:
			}
		}
		w, err := startWorker(&p.spec, slot, p.opts.LoadTimeout, p.done)
		if err == nil {
			if !p.track(w) {
				w.stop(p.opts.StopGrace)
				return
			}
			p.idle <- w
			return
		}
		select {
		case <-p.done:
			return
		default:
		}
		delay = min(max(2*delay, 250*time.Millisecond), 30*time.Second)
		fmt.Fprintf(p.opts.Log, "python worker %d: restart failed, next try in %v: %v\n", slot, delay, err)
	}
}

// Close stops every worker: SIGTERM, then SIGKILL after Options.StopGrace.
// It returns once all have exited. Scoring calls after Close fail.
func (p *Pool) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	close(p.done)
	p.mu.Unlock()
	p.restart.Wait()
	p.mu.Lock()
	ws := make([]*worker, 0, len(p.live))
	for w := range p.live {
		ws = append(ws, w)
	}
	p.live = nil
	p.mu.Unlock()
	var wg sync.WaitGroup
	for _, w := range ws {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.stop(p.opts.StopGrace)
		}()
	}
	wg.Wait()
	return nil
}
