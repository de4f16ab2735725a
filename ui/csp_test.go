package ui

import (
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// TestGoldenPagesNeedNoInlineCode checks that every page works under
// pageCSP: no inline script (only JSON data blocks), no style attributes,
// no event-handler attributes, no javascript: URLs.
func TestGoldenPagesNeedNoInlineCode(t *testing.T) {
	files, err := filepath.Glob("testdata/*.html")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden pages: %v", err)
	}
	bad := map[string]*regexp.Regexp{
		"inline script":   regexp.MustCompile(`<script(?:\s+(?:class|id)="[^"]*")*>`),
		"style attribute": regexp.MustCompile(`\sstyle=`),
		"event handler":   regexp.MustCompile(`<[a-zA-Z][^>]*\son[a-z]+=`),
		"javascript: URL": regexp.MustCompile(`(?i)(href|src)="javascript:`),
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for what, re := range bad {
			if loc := re.FindIndex(b); loc != nil {
				t.Errorf("%s: %s at %q", f, what, b[loc[0]:min(loc[1]+40, len(b))])
			}
		}
	}
}

// FuzzRunsPage throws arbitrary filters, orders, sizes and tokens at the
// runs page: bad input is a page with an error, never a panic or a 500.
func FuzzRunsPage(f *testing.F) {
	f.Add("metrics.auc > 0.8", "metrics.`auc` DESC", "25", "", "auc")
	f.Add("params.x = '", "nonsense", "-1", "zz", "")
	f.Add("tags.`a` = 'b' AND", "attributes.`start_time` ASC", "100000", "3", "<script>")
	h, _, _ := newSample(f)
	f.Fuzz(func(t *testing.T, filter, order, n, page, metric string) {
		q := url.Values{"filter": {filter}, "order": {order}, "n": {n}, "page": {page}, "m": {metric},
			"pin": {"m:" + metric, metric, "p:" + page}}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/experiments/1?"+q.Encode(), nil))
		if rec.Code != 200 {
			t.Fatalf("status %d for %v:\n%s", rec.Code, q, rec.Body)
		}
	})
}
