package serve

import (
	"sync"
	"time"
)

// batcher scores the rows of concurrent requests together: the first
// request opens a batch, which closes when it holds maxRows rows or wait
// has passed. Requests carry the model they started with, so a batch that
// straddles a swap scores each request with its own model.
type batcher struct {
	maxRows int
	wait    time.Duration
	metrics *Metrics
	in      chan *batchReq
	wg      sync.WaitGroup
}

type batchReq struct {
	m    *served
	rows [][]any
	out  []Prediction
	err  error
	done chan struct{}
}

func newBatcher(maxRows int, wait time.Duration, metrics *Metrics) *batcher {
	b := &batcher{maxRows: maxRows, wait: wait, metrics: metrics, in: make(chan *batchReq)}
	b.wg.Add(1)
	go b.run()
	return b
}

// predict scores rows into out as part of a batch.
func (b *batcher) predict(m *served, rows [][]any, out []Prediction) error {
	r := &batchReq{m: m, rows: rows, out: out, done: make(chan struct{})}
	b.in <- r
	<-r.done
	return r.err
}

func (b *batcher) close() {
	close(b.in)
	b.wg.Wait()
}

func (b *batcher) run() {
	defer b.wg.Done()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for first := range b.in {
		batch := []*batchReq{first}
		n := len(first.rows)
		timer.Reset(b.wait)
	collect:
		for n < b.maxRows {
			select {
			case r, ok := <-b.in:
				if !ok {
					break collect
				}
				batch = append(batch, r)
				n += len(r.rows)
			case <-timer.C:
				break collect
			}
		}
		timer.Stop()
		b.flush(batch, n)
	}
}

// flush scores a batch with one Predict call per model in it (normally
// one) and hands each request its slice of the answers.
func (b *batcher) flush(batch []*batchReq, n int) {
	b.metrics.batches.Add(1)
	for len(batch) > 0 {
		m := batch[0].m
		var same, rest []*batchReq
		rows := make([][]any, 0, n)
		for _, r := range batch {
			if r.m == m {
				same = append(same, r)
				rows = append(rows, r.rows...)
			} else {
				rest = append(rest, r)
			}
		}
		out := make([]Prediction, len(rows))
		err := m.Model.Predict(rows, out)
		off := 0
		for _, r := range same {
			copy(r.out, out[off:off+len(r.rows)])
			off += len(r.rows)
			r.err = err
			close(r.done)
		}
		batch = rest
	}
}
