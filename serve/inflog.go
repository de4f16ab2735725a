package serve

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/weir-ml/weir/mlmodel"
)

// InferenceLog writes every scored row as one JSON line to size-rotated
// files in Dir, or as uploaded segments to a SegmentStore (Segments).
// Requests hand their rows to a bounded queue and never wait for the disk
// or the storage: when the queue is full the rows are dropped and counted
// (weir_serve_inference_log_dropped_total), because a slow disk must not
// slow scoring. The line format is documented in docs/serving.md.
type InferenceLog struct {
	// Dir receives the files inference-<UTC start time>-<sequence>.jsonl;
	// names sort in write order. Created if absent.
	Dir string
	// MaxFileBytes starts a new file once the current one reaches it.
	MaxFileBytes int64
	// MaxFiles keeps only the newest files (0 keeps all).
	MaxFiles int
	// QueueRows bounds the rows waiting to be written.
	QueueRows int
	// Metrics counts written and dropped rows; the Server sets it.
	Metrics *Metrics
	// Logger receives write errors.
	Logger *slog.Logger
	// Segments, when set, receives the log as segments instead of files in
	// Dir: each segment is one object under a new, time-ordered name (see
	// SegmentName), uploaded once it reaches MaxFileBytes, every
	// FlushInterval and at Close, so that any number of replicas write to
	// one prefix without coordination. MaxFiles does not apply.
	Segments SegmentStore
	// FlushInterval uploads a segment at least this often while rows come
	// in (segments only); 0 means one minute.
	FlushInterval time.Duration
	// Replica names this process in segment names; empty means
	// NewReplicaID().
	Replica string

	now     func() time.Time
	queue   chan *logEntry
	pending atomic.Int64
	done    chan struct{}
	closing sync.Once

	f    *os.File
	w    *bufio.Writer
	seg  bytes.Buffer // the segment being filled (Segments only)
	size int64
	seq  int
	buf  []byte
}

// logEntry is one request's rows waiting to be written.
type logEntry struct {
	requestID string
	time      time.Time
	model     string
	version   string
	cols      []Column
	known     []map[string]struct{}
	rows      [][]any
	preds     []Prediction
	output    mlmodel.Output
}

// NewInferenceLog returns a log writing to dir with defaults: 64 MiB files,
// all kept, 100,000 queued rows at most.
func NewInferenceLog(dir string) *InferenceLog {
	return &InferenceLog{Dir: dir, MaxFileBytes: 64 << 20, QueueRows: 100_000, Logger: slog.Default(), now: time.Now}
}

// Open creates Dir and the first file and starts the writer.
func (l *InferenceLog) Open() error {
	if l.Dir == "" && l.Segments == nil {
		return errors.New("inference log: no directory")
	}
	if l.MaxFileBytes <= 0 || l.QueueRows <= 0 || l.MaxFiles < 0 {
		return fmt.Errorf("inference log: MaxFileBytes (%d) and QueueRows (%d) must be positive and MaxFiles (%d) not negative", l.MaxFileBytes, l.QueueRows, l.MaxFiles)
	}
	if l.Metrics == nil {
		l.Metrics = NewMetrics()
	}
	if l.Logger == nil {
		l.Logger = slog.Default()
	}
	if l.now == nil {
		l.now = time.Now
	}
	if l.Segments != nil {
		l.openSegments()
	} else if err := os.MkdirAll(l.Dir, 0o755); err != nil {
		return fmt.Errorf("inference log: %w", err)
	}
	if err := l.rotate(); err != nil {
		return err
	}
	// The channel holds entries (requests); pending bounds their rows.
	l.queue = make(chan *logEntry, min(l.QueueRows, 65536))
	l.done = make(chan struct{})
	go l.run()
	return nil
}

// Close writes what is queued, closes the file and stops the writer. Rows
// offered after Close are dropped.
func (l *InferenceLog) Close() error {
	if l.queue == nil {
		return nil
	}
	l.closing.Do(func() { close(l.queue) })
	<-l.done
	return l.closeFile()
}

// offer queues e unless the queue is full; it never blocks.
func (l *InferenceLog) offer(e *logEntry) (ok bool) {
	n := int64(len(e.rows))
	if l.pending.Add(n) > int64(l.QueueRows) {
		l.pending.Add(-n)
		l.Metrics.logDropped.Add(uint64(n))
		return false
	}
	defer func() {
		// A send on the channel closed by Close panics; count the rows as
		// dropped instead, since the server is stopping.
		if recover() != nil {
			l.pending.Add(-n)
			l.Metrics.logDropped.Add(uint64(n))
			ok = false
		}
	}()
	select {
	case l.queue <- e:
		return true
	default:
		l.pending.Add(-n)
		l.Metrics.logDropped.Add(uint64(n))
		return false
	}
}

func (l *InferenceLog) run() {
	defer close(l.done)
	var tick <-chan time.Time
	if l.Segments != nil {
		t := time.NewTicker(l.FlushInterval)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case e, ok := <-l.queue:
			if !ok {
				return
			}
			l.write(e)
			l.pending.Add(-int64(len(e.rows)))
			if len(l.queue) == 0 && l.w != nil {
				// Flush at the end of each burst, so a quiet server's rows
				// reach the disk at once and a busy one writes big blocks.
				if err := l.w.Flush(); err != nil {
					l.fail("flush", err)
				}
			}
		case <-tick:
			if l.size > 0 {
				if err := l.rotate(); err != nil {
					l.fail("rotate", err)
				}
			}
		}
	}
}

func (l *InferenceLog) write(e *logEntry) {
	ts := e.time.UTC().Format(time.RFC3339Nano)
	for i, row := range e.rows {
		b := l.buf[:0]
		b = append(b, `{"request_id":`...)
		b = appendString(b, e.requestID)
		b = append(b, `,"timestamp":"`...)
		b = append(b, ts...)
		b = append(b, `","model_name":`...)
		b = appendString(b, e.model)
		b = append(b, `,"model_version":`...)
		b = appendString(b, e.version)
		b = append(b, `,"row":`...)
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, `,"inputs":{`...)
		for j, c := range e.cols {
			if j > 0 {
				b = append(b, ',')
			}
			b = appendString(b, c.Name)
			b = append(b, ':')
			b = appendValue(b, row[j])
		}
		b = append(b, '}')
		if imputed, unknown := rowAudit(row, e.cols, e.known); imputed != nil || unknown != nil {
			if imputed != nil {
				b = appendNames(append(b, `,"imputed":`...), imputed)
			}
			if unknown != nil {
				b = appendNames(append(b, `,"unknown_categories":`...), unknown)
			}
		}
		b = append(b, `,"outputs":`...)
		b = appendLogOutputs(b, &e.output, &e.preds[i])
		b = append(b, "}\n"...)
		l.buf = b
		if l.size > 0 && l.size+int64(len(b)) > l.MaxFileBytes {
			if err := l.rotate(); err != nil {
				l.fail("rotate", err)
			}
		}
		if l.w == nil {
			l.Metrics.logDropped.Add(1)
			continue
		}
		n, err := l.w.Write(b)
		l.size += int64(n)
		if err != nil {
			l.fail("write", err)
			continue
		}
		l.Metrics.logRows.Add(1)
	}
}

func (l *InferenceLog) fail(op string, err error) {
	l.Metrics.logWriteErrors.Add(1)
	if l.Segments != nil {
		l.Logger.Error("inference log "+op+" failed", "replica", l.Replica, "err", err)
		return
	}
	l.Logger.Error("inference log "+op+" failed", "dir", l.Dir, "err", err)
}

// rotate closes the current file and opens the next one.
func (l *InferenceLog) rotate() error {
	if err := l.closeFile(); err != nil {
		l.fail("close", err)
	}
	l.seq++
	if l.Segments != nil {
		l.w, l.size = bufio.NewWriterSize(&l.seg, 256<<10), 0
		return nil
	}
	name := fmt.Sprintf("inference-%s-%06d.jsonl", l.now().UTC().Format("20060102T150405.000000000Z"), l.seq)
	f, err := os.OpenFile(filepath.Join(l.Dir, name), os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("inference log: %w", err)
	}
	l.f, l.w, l.size = f, bufio.NewWriterSize(f, 256<<10), 0
	l.prune()
	return nil
}

func (l *InferenceLog) closeFile() error {
	if l.Segments != nil {
		return l.putSegment()
	}
	if l.f == nil {
		return nil
	}
	err := l.w.Flush()
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f, l.w = nil, nil
	return err
}

// prune removes the oldest files beyond MaxFiles.
func (l *InferenceLog) prune() {
	if l.MaxFiles == 0 {
		return
	}
	files, err := filepath.Glob(filepath.Join(l.Dir, "inference-*.jsonl"))
	if err != nil || len(files) <= l.MaxFiles {
		return
	}
	slices.Sort(files)
	for _, f := range files[:len(files)-l.MaxFiles] {
		if err := os.Remove(f); err != nil {
			l.fail("prune", err)
		}
	}
}

// appendNames writes a JSON list of strings.
func appendNames(b []byte, names []string) []byte {
	b = append(b, '[')
	for i, n := range names {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, n)
	}
	return append(b, ']')
}

// appendValue writes one input value as JSON: missing values (nil, NaN) as
// null, times in RFC 3339.
func appendValue(b []byte, v any) []byte {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...)
	case float64:
		return appendFloat(b, v)
	case int64:
		return strconv.AppendInt(b, v, 10)
	case string:
		return appendString(b, v)
	case bool:
		return strconv.AppendBool(b, v)
	case time.Time:
		return appendString(b, v.UTC().Format(time.RFC3339Nano))
	}
	return appendString(b, fmt.Sprint(v))
}

func appendFloat(b []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, "null"...)
	}
	return strconv.AppendFloat(b, f, 'g', -1, 64)
}

const hexDigits = "0123456789abcdef"

// appendString writes s as a JSON string; invalid UTF-8 becomes U+FFFD.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c < 0x20:
				switch c {
				case '\n':
					b = append(b, `\n`...)
				case '\r':
					b = append(b, `\r`...)
				case '\t':
					b = append(b, `\t`...)
				default:
					b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
				}
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
