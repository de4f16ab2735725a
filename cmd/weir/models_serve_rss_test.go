//go:build linux && !weir_serve

package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// rssBar is issue 14's bar: 8 concurrent maximum-size scoring bodies keep
// the server under 1 GB of resident memory.
const rssBar = 1 << 30

// TestModelsServePeakRSS sends 8 concurrent bodies to a real serving
// process with default limits and reads its peak resident memory
// (VmHWM) from /proc: maximum-size bodies (100 MiB), then bodies small
// enough that several are decoded and scored at once.
func TestModelsServePeakRSS(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the serving binary and sends 800 MB")
	}
	bin := mustServeBuild(t)
	dir := filepath.Join(t.TempDir(), "bank-model")
	mustSaveModel(t, dir, 10)
	for _, tc := range []struct {
		name      string
		path      string
		body      func(n int) []byte
		bodyBytes int
		wantOK    bool // some requests must be scored
	}{
		{"maximum-size bodies", "/invocations", bankSplitBody, 100 << 20, false},
		{"74 MiB bodies", "/invocations", bankSplitBody, 74 << 20, false},
		{"bodies of which one fits the budget", "/invocations", bankSplitBody, 20 << 20, true},
		{"bodies that fit the budget", "/invocations", bankSplitBody, 3 << 20, true},
		{"maximum-size records", "/invocations", bankRecordsBody, 100 << 20, false},
		{"records that fit the budget", "/invocations", bankRecordsBody, 3 << 20, true},
		{"Open Inference Protocol bodies", "/v2/models/bank-model/infer", bankOIPBody, 3 << 20, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url, pid := startServePID(t, bin, "models", "serve", "-m", dir, "--port", "0")
			body := tc.body(tc.bodyBytes)
			codes := postConcurrently(t, url+tc.path, body, 8)
			hwm := peakRSS(t, pid)
			t.Logf("8 x %.1f MiB: answers %s; peak RSS %.0f MiB", float64(len(body))/(1<<20), codes, float64(hwm)/(1<<20))
			if hwm >= rssBar {
				t.Errorf("peak RSS %d bytes, want under %d", hwm, rssBar)
			}
			if tc.wantOK && !strings.Contains(codes, "200") {
				t.Errorf("answers %s, want some 200", codes)
			}
			for _, c := range strings.Fields(codes) {
				if c == "500" || c == "502" {
					t.Errorf("answer %s", c)
				}
			}
			if code, _ := postJSON(t, url+"/invocations", `{"dataframe_split": {"columns": ["age", "job", "balance"], "data": [[47, "manager", 1200]]}}`); code != 200 {
				t.Errorf("a small request after the big ones = %d, want 200", code)
			}
		})
	}
}

// bankSplitBody is a dataframe_split body of about n bytes.
func bankSplitBody(n int) []byte {
	const row = `[47,"manager",1200],`
	var b bytes.Buffer
	b.Grow(n + 128)
	b.WriteString(`{"dataframe_split":{"columns":["age","job","balance"],"data":[`)
	for b.Len()+2*len(row)+8 < n {
		b.WriteString(row)
	}
	b.WriteString(`[47,"manager",1200]]}}`)
	return b.Bytes()
}

// bankRecordsBody is a dataframe_records body of about n bytes: the
// general JSON path, which builds a tree of the body first.
func bankRecordsBody(n int) []byte {
	const rec = `{"age":47,"job":"manager","balance":1200},`
	var b bytes.Buffer
	b.Grow(n + 128)
	b.WriteString(`{"dataframe_records":[`)
	for b.Len()+2*len(rec)+8 < n {
		b.WriteString(rec)
	}
	b.WriteString(`{"age":47,"job":"manager","balance":1200}]}`)
	return b.Bytes()
}

// bankOIPBody is an Open Inference Protocol body of about n bytes: one
// tensor per column.
func bankOIPBody(n int) []byte {
	rows := n / 24
	var b bytes.Buffer
	b.Grow(n + 256)
	col := func(name, datatype, v string, last bool) {
		fmt.Fprintf(&b, `{"name":%q,"datatype":%q,"shape":[%d],"data":[`, name, datatype, rows)
		b.WriteString(strings.Repeat(v+",", rows-1))
		b.WriteString(v + "]}")
		if !last {
			b.WriteByte(',')
		}
	}
	b.WriteString(`{"inputs":[`)
	col("age", "INT64", "47", false)
	col("job", "BYTES", `"manager"`, false)
	col("balance", "INT64", "1200", true)
	b.WriteString(`]}`)
	return b.Bytes()
}

// postConcurrently posts body k times at once and returns the status codes
// (or "closed" when the server answered before reading it all and closed
// the connection), sorted.
func postConcurrently(t *testing.T, url string, body []byte, k int) string {
	var wg sync.WaitGroup
	out := make([]string, k)
	for i := range k {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := http.Post(url, "application/json", bytes.NewReader(body))
			if err == nil && resp.StatusCode == 400 {
				msg, _ := io.ReadAll(resp.Body)
				t.Errorf("400: %s", msg)
			}
			if err != nil {
				out[i] = "closed"
				return
			}
			msg, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			out[i] = strconv.Itoa(resp.StatusCode)
			if resp.StatusCode != 200 && i == 0 {
				t.Logf("first refusal: %s", msg)
			}
		}()
	}
	wg.Wait()
	slicesSort(out)
	return strings.Join(out, " ")
}

func slicesSort(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// peakRSS reads VmHWM, in bytes, from /proc/pid/status.
func peakRSS(t *testing.T, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmHWM in /proc status")
	return 0
}

// startServePID is startServeProcess that also returns the process id.
func startServePID(t *testing.T, bin string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	})
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := readyURL.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
				break
			}
		}
		io.Copy(io.Discard, stderr)
	}()
	select {
	case url := <-found:
		return url, cmd.Process.Pid
	case <-time.After(30 * time.Second):
		t.Fatal("models serve did not log its ready line")
	}
	return "", 0
}
