package main

import (
	"cmp"
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// limits says how long one operation is measured. The clients stop starting
// new calls at maxOps, or once duration has passed and at least minOps calls
// were started, or at maxDuration whatever the count: a slow server then gets
// fewer samples, which the table shows, instead of an endless run.
type limits struct {
	warmup      time.Duration
	duration    time.Duration
	maxDuration time.Duration
	minOps      int
	maxOps      int
}

// stop reports whether a client should stop, given the time since the
// measurement started and the calls already started.
func (l limits) stop(elapsed time.Duration, started int) bool {
	switch {
	case l.maxOps > 0 && started >= l.maxOps:
		return true
	case elapsed >= l.maxDuration:
		return true
	case elapsed >= l.duration && started >= l.minOps:
		return true
	}
	return false
}

// result is what one operation measured.
type result struct {
	Key    string `json:"op"`
	Name   string `json:"name"`
	OK     int    `json:"ok"`
	Errors int    `json:"errors"`
	// WarmupErrors are failed warm-up calls; they make the operation as
	// incomparable as measured failures do.
	WarmupErrors int     `json:"warmup_errors,omitempty"`
	MeanMs       float64 `json:"mean_ms"`
	P50Ms        float64 `json:"p50_ms"`
	P99Ms        float64 `json:"p99_ms"`
	MaxMs        float64 `json:"max_ms"`
	OpsPerSec    float64 `json:"ops_per_sec"`
	// BytesPerOp and MBPerSec are set for the artifact operations only;
	// MB/s counts successful calls' bytes in 2^20-byte megabytes.
	BytesPerOp  int64   `json:"bytes_per_op,omitempty"`
	MBPerSec    float64 `json:"mb_per_sec,omitempty"`
	WallSeconds float64 `json:"wall_seconds"`
	SeedSeconds float64 `json:"seed_seconds,omitempty"`
	FirstError  string  `json:"first_error,omitempty"`
	// LatenciesMs are every successful call's latency, sorted, so the JSON
	// can be re-analysed without running the load again.
	LatenciesMs []float64 `json:"latencies_ms,omitempty"`
	// latencies are the successful calls' times, kept out of the JSON.
	latencies []time.Duration
}

// failed counts every failed call, warm-up included.
func (r result) failed() int { return r.Errors + r.WarmupErrors }

// measure seeds, prepares, warms up and then times op with e.clients
// concurrent clients. Failures are counted into the result, never fatal, so
// a server that cannot do one operation still gets the others measured.
func measure(ctx context.Context, op operation, e *env, lim limits) result {
	res := result{Key: op.key, Name: op.name, BytesPerOp: op.bytes}
	fail := func(err error) result {
		res.Errors++
		res.FirstError = err.Error()
		return res
	}
	if op.seed != nil {
		start := time.Now()
		err := op.seed(ctx, e)
		res.SeedSeconds = time.Since(start).Seconds()
		if err != nil {
			return fail(err)
		}
	}
	steps := make([]step, e.clients)
	err := parallel(ctx, e.clients, e.clients, func(ctx context.Context, w int) error {
		s, err := op.prepare(ctx, e, w)
		steps[w] = s
		return err
	})
	if err != nil {
		return fail(err)
	}

	var (
		mu      sync.Mutex
		started atomic.Int64
		wg      sync.WaitGroup
		warm    sync.WaitGroup
		begin   time.Time
	)
	warmEnd := time.Now().Add(lim.warmup)
	barrier := make(chan struct{})
	for w := range e.clients {
		wg.Add(1)
		warm.Add(1)
		go func() {
			defer wg.Done()
			// Warm-up calls go to the server like any other, but their
			// times are not kept, so first-connection and cache effects
			// stay out. Their failures are kept: they are the server's.
			i := 0
			var warmLog callLog
			for ; time.Now().Before(warmEnd) && ctx.Err() == nil; i++ {
				_, err := steps[w](ctx, i)
				warmLog.add(0, err)
			}
			warm.Done()
			<-barrier
			var log callLog
			for ; ctx.Err() == nil; i++ {
				if lim.stop(time.Since(begin), int(started.Add(1)-1)) {
					break
				}
				log.add(steps[w](ctx, i))
			}
			mu.Lock()
			defer mu.Unlock()
			res.latencies = append(res.latencies, log.latencies...)
			res.Errors += log.errors
			res.WarmupErrors += warmLog.errors
			res.FirstError = cmp.Or(res.FirstError, log.first, warmLog.first)
		}()
	}
	// Wait for the slowest warm-up call, then start every client together.
	warm.Wait()
	begin = time.Now()
	close(barrier)
	wg.Wait()
	res.summarize(time.Since(begin))
	return res
}

// callLog is what one client saw: the times of its successful calls, and
// how many failed, with the first failure's message.
type callLog struct {
	latencies []time.Duration
	errors    int
	first     string
}

func (l *callLog) add(d time.Duration, err error) {
	if err == nil {
		l.latencies = append(l.latencies, d)
		return
	}
	l.errors++
	if l.first == "" {
		l.first = err.Error()
	}
}

// parallel runs fn for jobs 0..n-1 on up to workers goroutines and returns
// the first error; after an error no new job starts.
func parallel(ctx context.Context, workers, n int, fn func(ctx context.Context, job int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		next    atomic.Int64
		errOnce sync.Once
		first   error
		wg      sync.WaitGroup
	)
	for range min(workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				j := int(next.Add(1) - 1)
				if j >= n {
					return
				}
				if err := fn(ctx, j); err != nil {
					errOnce.Do(func() { first = err; cancel() })
					return
				}
			}
		}()
	}
	wg.Wait()
	if first == nil && ctx.Err() != nil {
		return context.Cause(ctx)
	}
	return first
}
