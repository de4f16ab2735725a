package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"
)

// modelsPingCmd is `weir models ping`: the container health check. Images
// have no shell or curl, so the check is weir itself.
type modelsPingCmd struct {
	URL     string        `help:"Health URL of the scoring server." default:"http://127.0.0.1:8080/ping"`
	Timeout time.Duration `help:"Give up after this long." default:"2s"`
}

// Run GETs the URL and fails unless it answers 200.
func (c *modelsPingCmd) Run(g *globals) error {
	ctx, cancel := context.WithTimeout(g.ctx, c.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.URL, nil)
	if err != nil {
		return usagef("--url %q: %v", c.URL, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("ping %s: %w", c.URL, err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("ping %s: HTTP %d", c.URL, resp.StatusCode)
	}
	return nil
}
