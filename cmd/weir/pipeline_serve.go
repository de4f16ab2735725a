//go:build !weir_serve

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/weir-ml/weir/ml/frame"
	"github.com/weir-ml/weir/mlmodel"
	"github.com/weir-ml/weir/pipeline"
	"github.com/weir-ml/weir/serve"
)

// scoreBatchRows is how many rows the replay posts per request.
const scoreBatchRows = 1000

// pipelineServer starts the scoring server on the pipeline's model once,
// and scores the monitoring replay through it over HTTP, as a client would.
type pipelineServer struct {
	g    *globals
	addr string
	name string

	mu     sync.Mutex
	server *serve.Server
}

// start serves the model directory; a second call returns the same server.
func (p *pipelineServer) start(ctx context.Context, modelDir string) (pipeline.Scorer, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.server != nil {
		return p, nil
	}
	m, err := mlmodel.Load(modelDir)
	if err != nil {
		return nil, err
	}
	pm, err := serve.NewPredictorModel(m.Predictor)
	if err != nil {
		return nil, err
	}
	example, err := m.InputExample()
	if err != nil {
		return nil, err
	}
	s := serve.NewServer()
	s.Addr = p.addr
	s.Logger = p.g.logger
	s.Model = &serve.Loaded{Model: pm, Name: p.name, Example: example, Output: m.Output()}
	if err := s.Open(); err != nil {
		return nil, listenError(p.addr, "--serve-addr", err)
	}
	p.server = s
	fmt.Fprintf(p.g.stderr, "scoring server: %s/invocations\n", s.URL())
	return p, nil
}

// URL returns the server's base URL.
func (p *pipelineServer) URL() string { return p.server.URL() }

// Score posts f's rows to /invocations in batches and returns the
// probabilities.
func (p *pipelineServer) Score(ctx context.Context, f *frame.Frame) ([]float64, error) {
	out := make([]float64, 0, f.NumRows())
	names := f.Names()
	client := &http.Client{Timeout: time.Minute}
	for s := 0; s < f.NumRows(); s += scoreBatchRows {
		e := min(s+scoreBatchRows, f.NumRows())
		rows := make([][]any, 0, e-s)
		for i := s; i < e; i++ {
			row := make([]any, len(names))
			for j := range names {
				row[j] = f.ColumnAt(j).Value(i)
			}
			rows = append(rows, row)
		}
		body, err := json.Marshal(map[string]any{"dataframe_split": map[string]any{"columns": names, "data": rows}})
		if err != nil {
			return nil, err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.server.URL()+"/invocations", bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("scoring server: %s: %s", resp.Status, b)
		}
		var got struct {
			Predictions []struct {
				Probability float64 `json:"probability"`
			} `json:"predictions"`
		}
		if err := json.Unmarshal(b, &got); err != nil {
			return nil, fmt.Errorf("scoring server answer: %w", err)
		}
		if len(got.Predictions) != e-s {
			return nil, fmt.Errorf("scoring server gave %d predictions for %d rows", len(got.Predictions), e-s)
		}
		for _, pr := range got.Predictions {
			out = append(out, pr.Probability)
		}
	}
	return out, nil
}

// wait serves until ctx is cancelled (Ctrl-C), then drains the server.
func (p *pipelineServer) wait(ctx context.Context) error {
	fmt.Fprintf(p.g.stderr, "serving %s at %s (Ctrl-C stops)\n", p.name, p.server.URL())
	<-ctx.Done()
	return p.close()
}

func (p *pipelineServer) close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.server == nil {
		return nil
	}
	err := p.server.Close()
	p.server = nil
	return err
}
