package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestSamplePages(t *testing.T) {
	for _, tc := range []struct {
		n, k int
		want []int
	}{
		{100, 5, []int{0, 24, 49, 74, 99}},
		{10, 2, []int{0, 9}},
		{3, 5, []int{0, 1, 2}},
		{1, 3, []int{0}},
	} {
		if got := samplePages(tc.n, tc.k); !slices.Equal(got, tc.want) {
			t.Errorf("samplePages(%d, %d) = %v, want %v", tc.n, tc.k, got, tc.want)
		}
	}
}

func TestEstimateTotal(t *testing.T) {
	// Cost 1 + p ms for page p: the sum over 0..9 is 10 + 45 = 55 ms,
	// whatever pages of a line are sampled.
	cost := func(p int) time.Duration { return time.Duration(1+p) * time.Millisecond }
	for _, pages := range [][]int{{0, 9}, {0, 3, 9}, {0, 4, 5, 9}} {
		var c []time.Duration
		for _, p := range pages {
			c = append(c, cost(p))
		}
		if got := estimateTotal(pages, c, 10); got != 55*time.Millisecond {
			t.Errorf("pages %v: estimate %v, want 55ms", pages, got)
		}
	}
	// A single page is its own cost.
	if got := estimateTotal([]int{0}, []time.Duration{7 * time.Millisecond}, 1); got != 7*time.Millisecond {
		t.Errorf("one page: %v", got)
	}
}

func TestMlflowOffsetToken(t *testing.T) {
	if mlflowOffsetToken(0) != "" {
		t.Error("the first page has no token")
	}
	b, err := base64.StdEncoding.DecodeString(mlflowOffsetToken(300000))
	if err != nil {
		t.Fatal(err)
	}
	var v struct{ Offset int }
	if err := json.Unmarshal(b, &v); err != nil || v.Offset != 300000 {
		t.Errorf("token decodes to %s (%v)", b, err)
	}
}

// offsetServer answers get-history like mlflow server: pages by offset over
// steps 0..points-1, except that it may skip a step to make a wrong answer.
func offsetServer(t *testing.T, points int, skip int) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		offset := 0
		if tok := q.Get("page_token"); tok != "" {
			b, _ := base64.StdEncoding.DecodeString(tok)
			var v struct{ Offset int }
			json.Unmarshal(b, &v)
			offset = v.Offset
		}
		n, _ := strconv.Atoi(q.Get("max_results"))
		var ms []string
		for s := offset; s < min(offset+n, points); s++ {
			if s == skip {
				continue
			}
			ms = append(ms, fmt.Sprintf(`{"key":"loss","step":"%d"}`, s))
		}
		fmt.Fprintf(w, `{"metrics":[%s]}`, strings.Join(ms, ","))
	}))
}

func TestRunSample(t *testing.T) {
	srv := offsetServer(t, 1050, -1)
	defer srv.Close()
	var out strings.Builder
	cfg := sampleConfig{url: srv.URL, points: 1050, page: 100, pages: 3, timeout: time.Minute, tokenForOffset: mlflowOffsetToken}
	if err := runSample(context.Background(), cfg, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| 1 of 11 | 0 |", "| 6 of 11 | 500 |", "| 11 of 11 | 1000 |", "all 11 pages, estimated"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}

	bad := offsetServer(t, 1050, 520)
	defer bad.Close()
	cfg.url = bad.URL
	err := runSample(context.Background(), cfg, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "page 6 (offset 500)") {
		t.Errorf("a page missing a point: err = %v", err)
	}
}
