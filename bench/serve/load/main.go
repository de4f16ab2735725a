// Command load is the serving benchmark's load generator: it posts one
// request body to a scoring server from C concurrent keep-alive clients for
// a fixed time and prints throughput and latency percentiles as one JSON
// line. The same binary loads Weir's server and mlflow models serve.
//
// Usage: load -url http://127.0.0.1:PORT/invocations -body FILE -c 8 -d 10s
//
// With -ready-since, it instead polls -url (a /ping URL) every millisecond
// until it answers 200 and prints the milliseconds since that Unix time in
// nanoseconds (taken just before the server was launched): start-up time
// measured without a shell's curl-and-sleep loop, which adds tens of
// milliseconds of its own.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"sync"
	"syscall"
	"time"
)

type result struct {
	Concurrency int     `json:"concurrency"`
	Requests    int     `json:"requests"`
	Errors      int     `json:"errors"`
	Seconds     float64 `json:"seconds"`
	RPS         float64 `json:"rps"`
	P50ms       float64 `json:"p50_ms"`
	P99ms       float64 `json:"p99_ms"`
	FirstError  string  `json:"first_error,omitempty"`
}

func main() {
	url := flag.String("url", "", "scoring URL")
	bodyFile := flag.String("body", "", "file holding the JSON request body")
	conc := flag.Int("c", 1, "concurrent clients")
	dur := flag.Duration("d", 10*time.Second, "measured duration")
	warm := flag.Duration("warmup", time.Second, "unmeasured warm-up")
	readySince := flag.Int64("ready-since", 0, "poll -url until 200 and print milliseconds since this Unix time in ns")
	readyPID := flag.Int("ready-pid", 0, "with -ready-since: give up when this process has exited")
	flag.Parse()
	if *readySince != 0 {
		ms, err := waitReady(*url, time.Unix(0, *readySince), 10*time.Minute, *readyPID)
		if err != nil {
			fmt.Fprintln(os.Stderr, "load:", err)
			os.Exit(1)
		}
		fmt.Printf("%.1f\n", ms)
		return
	}
	body, err := os.ReadFile(*bodyFile)
	if err != nil || *url == "" {
		fmt.Fprintln(os.Stderr, "usage: load -url URL -body FILE [-c N] [-d 10s]", err)
		os.Exit(2)
	}
	r := run(*url, body, *conc, *warm, *dur)
	json.NewEncoder(os.Stdout).Encode(r)
}

func run(url string, body []byte, conc int, warm, dur time.Duration) result {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conc, MaxConnsPerHost: conc}, Timeout: time.Minute}
	var mu sync.Mutex
	var lat []time.Duration
	var errs int
	var firstErr string
	start := time.Now()
	measureFrom := start.Add(warm)
	end := measureFrom.Add(dur)
	var wg sync.WaitGroup
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			var myErrs int
			var myFirst string
			for {
				t0 := time.Now()
				if t0.After(end) {
					break
				}
				err := post(client, url, body)
				if t0.Before(measureFrom) {
					continue
				}
				if err != nil {
					myErrs++
					if myFirst == "" {
						myFirst = err.Error()
					}
					continue
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, mine...)
			errs += myErrs
			if firstErr == "" {
				firstErr = myFirst
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	slices.Sort(lat)
	r := result{Concurrency: conc, Requests: len(lat), Errors: errs, Seconds: dur.Seconds(), FirstError: firstErr}
	r.RPS = float64(len(lat)) / dur.Seconds()
	if len(lat) > 0 {
		r.P50ms = ms(lat[len(lat)/2])
		r.P99ms = ms(lat[min(len(lat)-1, len(lat)*99/100)])
	}
	return r
}

func post(c *http.Client, url string, body []byte) error {
	resp, err := c.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != 200 {
		return fmt.Errorf("status %d: %.200s", resp.StatusCode, b)
	}
	return nil
}

// waitReady GETs url every millisecond until it answers 200 and returns
// the milliseconds since start; it gives up if process pid (when not 0)
// exits.
func waitReady(url string, start time.Time, limit time.Duration, pid int) (float64, error) {
	client := &http.Client{Timeout: time.Second}
	for time.Since(start) < limit {
		if pid != 0 && syscall.Kill(pid, 0) != nil {
			return 0, fmt.Errorf("server process %d exited", pid)
		}
		resp, err := client.Get(url)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return float64(time.Since(start).Microseconds()) / 1000, nil
			}
		}
		time.Sleep(time.Millisecond)
	}
	return 0, fmt.Errorf("%s not ready after %s", url, limit)
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
