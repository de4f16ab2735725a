package serve

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// SegmentStore receives inference-log segments as whole objects (an
// s3.Store at the log's prefix is one). Put must make the object visible
// whole or not at all.
type SegmentStore interface {
	Put(ctx context.Context, path string, r io.Reader) error
}

// segmentTimeout bounds one segment's upload, with its retries.
const segmentTimeout = 2 * time.Minute

// segmentAttempts is how many times a segment's upload is tried before its
// rows are dropped and counted.
const segmentAttempts = 3

// NewReplicaID returns a name for this process that no other replica
// shares: the host name, the process id and 32 random bits, in characters
// safe in an object key.
func NewReplicaID() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "host"
	}
	host = strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '_':
			return r
		}
		return '_'
	}, host)
	var b [4]byte
	rand.Read(b[:])
	return fmt.Sprintf("%s_%d_%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}

// SegmentName returns the key of the seq-th segment replica uploads at t:
// YYYY/MM/DD/<unix nanoseconds>-<replica>-<seq>.jsonl. The date folders
// let a reader list one window's days; within a day, names sort in upload
// order across replicas.
func SegmentName(t time.Time, replica string, seq int) string {
	t = t.UTC()
	return fmt.Sprintf("%s/%019d-%s-%06d.jsonl", t.Format("2006/01/02"), t.UnixNano(), replica, seq)
}

func (l *InferenceLog) openSegments() {
	if l.Replica == "" {
		l.Replica = NewReplicaID()
	}
	if l.FlushInterval <= 0 {
		l.FlushInterval = time.Minute
	}
}

// putSegment uploads the rows buffered since the last segment, if any,
// under a new name. A segment that cannot be uploaded after a few tries is
// dropped and its rows counted, as a full queue's are: the log never holds
// more than one segment in memory.
func (l *InferenceLog) putSegment() error {
	if l.w != nil {
		if err := l.w.Flush(); err != nil {
			return err
		}
	}
	if l.seg.Len() == 0 {
		return nil
	}
	body := l.seg.Bytes()
	rows := bytes.Count(body, []byte{'\n'})
	name := SegmentName(l.now(), l.Replica, l.seq)
	ctx, cancel := context.WithTimeout(context.Background(), segmentTimeout)
	defer cancel()
	var err error
	for attempt := range segmentAttempts {
		if attempt > 0 {
			select {
			case <-ctx.Done():
			case <-time.After(time.Duration(attempt) * time.Second):
			}
		}
		if err = l.Segments.Put(ctx, name, bytes.NewReader(body)); err == nil {
			break
		}
	}
	l.seg.Reset()
	if err != nil {
		// The rows were counted as written when buffered: move them to
		// the dropped count (adding ^(n-1) subtracts n).
		l.Metrics.logDropped.Add(uint64(rows))
		l.Metrics.logRows.Add(^uint64(rows - 1))
		return fmt.Errorf("segment %s (%d rows dropped): %w", name, rows, err)
	}
	return nil
}
