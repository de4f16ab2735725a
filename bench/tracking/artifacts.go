package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"net/http"
	"time"
)

// artifactAPI is the root of MLflow's artifact proxy (mlflow-artifacts), the
// path clients use when a server is started with --artifacts-destination.
const artifactAPI = "/api/2.0/mlflow-artifacts/artifacts"

// payload is one file the artifact operations upload: the same bytes for
// every client and call, so 8 clients of 100 MB cost 100 MB of memory.
type payload struct {
	data []byte
	sum  string // hex SHA-256 of data
}

// newPayload returns size pseudo-random bytes (a fixed xorshift stream, so
// a server that compresses or dedups gains nothing and runs are repeatable).
func newPayload(size int) payload {
	b := make([]byte, size)
	x := uint64(0x9E3779B97F4A7C15)
	for i := 0; i < size; i += 8 {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		for j := 0; j < 8 && i+j < size; j++ {
			b[i+j] = byte(x >> (8 * j))
		}
	}
	s := sha256.Sum256(b)
	return payload{data: b, sum: hex.EncodeToString(s[:])}
}

// payloads keeps one payload per size for the whole invocation.
func (e *env) payload(size int) payload {
	e.payloadMu.Lock()
	defer e.payloadMu.Unlock()
	if e.payloads == nil {
		e.payloads = map[int]payload{}
	}
	p, ok := e.payloads[size]
	if !ok {
		p = newPayload(size)
		e.payloads[size] = p
	}
	return p
}

// artifactPath is the proxy path of file in run runID's artifacts.
func artifactPath(expID, runID, file string) string {
	return fmt.Sprintf("%s/%s/%s/artifacts/%s", artifactAPI, expID, runID, file)
}

// upload PUTs data to path; elapsed covers sending the body and reading
// the answer.
func (c *client) upload(ctx context.Context, path string, data []byte) (time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, c.base+path, bytes.NewReader(data))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	start := time.Now()
	resp, err := c.hc.Do(req)
	if err != nil {
		return time.Since(start), err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
	elapsed := time.Since(start)
	if err != nil {
		return elapsed, fmt.Errorf("PUT %s: reading answer: %w", path, err)
	}
	if resp.StatusCode/100 != 2 {
		return elapsed, &apiError{Method: http.MethodPut, Path: path, Status: resp.StatusCode, Body: snippet(body)}
	}
	return elapsed, nil
}

// download GETs path and reads the whole body, into h as well when h is not
// nil, and returns how many bytes came.
func (c *client) download(ctx context.Context, path string, h hash.Hash) (int64, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return 0, 0, err
	}
	start := time.Now()
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, time.Since(start), err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
		return 0, time.Since(start), &apiError{Method: http.MethodGet, Path: path, Status: resp.StatusCode, Body: snippet(body)}
	}
	var w io.Writer = io.Discard
	if h != nil {
		w = h
	}
	n, err := io.Copy(w, resp.Body)
	elapsed := time.Since(start)
	if err != nil {
		return n, elapsed, fmt.Errorf("GET %s: reading answer after %d bytes: %w", path, n, err)
	}
	return n, elapsed, nil
}

// prepareUpload gives each client a run of its own; every call overwrites
// the client's one file, so a long run does not fill the disk.
func prepareUpload(size int) func(context.Context, *env, int) (step, error) {
	return func(ctx context.Context, e *env, worker int) (step, error) {
		p := e.payload(size)
		runID, _, err := e.c.createRun(ctx, e.opsExp)
		if err != nil {
			return nil, err
		}
		path := artifactPath(e.opsExp, runID, fmt.Sprintf("upload-%d.bin", worker))
		return func(ctx context.Context, i int) (time.Duration, error) {
			return e.c.upload(ctx, path, p.data)
		}, nil
	}
}

// seedDownload uploads one file of size, untimed, for the download
// operation to read, and checks that it comes back whole.
func seedDownload(size int) func(context.Context, *env) error {
	return func(ctx context.Context, e *env) error {
		p := e.payload(size)
		runID, _, err := e.c.createRun(ctx, e.opsExp)
		if err != nil {
			return err
		}
		path := artifactPath(e.opsExp, runID, fmt.Sprintf("download-%d.bin", size))
		if _, err := e.c.upload(ctx, path, p.data); err != nil {
			return err
		}
		if e.downloads == nil {
			e.downloads = map[int]string{}
		}
		e.downloads[size] = path
		return checkDownload(ctx, e.c, path, p, true)
	}
}

// prepareDownload reads the seeded file. Every answer's length is checked;
// every tenth (the first falls in the warm-up) is hashed too, which costs
// the load generator CPU the server would otherwise get.
func prepareDownload(size int) func(context.Context, *env, int) (step, error) {
	return func(ctx context.Context, e *env, worker int) (step, error) {
		p := e.payload(size)
		path, ok := e.downloads[size]
		if !ok {
			return nil, fmt.Errorf("no %d-byte file was seeded for download", size)
		}
		return func(ctx context.Context, i int) (time.Duration, error) {
			var h hash.Hash
			if i%10 == 0 {
				h = sha256.New()
			}
			n, elapsed, err := e.c.download(ctx, path, h)
			if err != nil {
				return elapsed, err
			}
			return elapsed, verifyDownload(n, h, p)
		}, nil
	}
}

// checkDownload downloads path once, untimed.
func checkDownload(ctx context.Context, c *client, path string, p payload, hashIt bool) error {
	var h hash.Hash
	if hashIt {
		h = sha256.New()
	}
	n, _, err := c.download(ctx, path, h)
	if err != nil {
		return err
	}
	return verifyDownload(n, h, p)
}

// verifyDownload fails unless n bytes are the payload's length and, when h
// is set, their hash is the payload's.
func verifyDownload(n int64, h hash.Hash, p payload) error {
	if n != int64(len(p.data)) {
		return fmt.Errorf("download answered %d bytes, want %d", n, len(p.data))
	}
	if h != nil {
		if got := hex.EncodeToString(h.Sum(nil)); got != p.sum {
			return fmt.Errorf("download answered SHA-256 %s, want %s", got, p.sum)
		}
	}
	return nil
}
