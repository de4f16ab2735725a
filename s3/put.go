package s3

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io"
	"sort"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/weir-ml/weir"
)

// abortTimeout bounds the clean-up of a failed upload, which runs even when
// the caller's context is already cancelled.
const abortTimeout = 30 * time.Second

// smallBody is how much of a body Put reads before taking a part buffer.
const smallBody = 256 << 10

// Put implements artifact.Store. A body up to PartSize goes in one request;
// a larger one is streamed as a multipart upload with at most Concurrency
// parts in flight, so memory stays bounded whatever the size. Every request
// carries the SHA-256 of its bytes, which the storage checks. If the body
// fails, the context ends or a part is refused, the multipart upload is
// aborted: no partial object ever becomes visible.
func (s *Store) Put(ctx context.Context, p string, r io.Reader) (err error) {
	defer weir.Wrap(&err, "s3.Store.Put(%q)", p)
	clean, key, err := s.key(p)
	if err != nil {
		return err
	}
	if clean == "" {
		return weir.Errorf(weir.ErrInvalidParameterValue, "Invalid path: an artifact needs a file name.")
	}
	// Most artifacts are small: read a first slice before committing a
	// whole part buffer, so that many concurrent small uploads do not each
	// hold PartSize bytes.
	head := make([]byte, min(smallBody, s.PartSize))
	n, err := io.ReadFull(r, head)
	switch {
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		err = s.putSingle(ctx, key, head[:n])
	case err != nil:
	default:
		buf := s.getBuffer()
		copy(*buf, head)
		m, rerr := io.ReadFull(r, (*buf)[n:])
		switch {
		case rerr == io.EOF || rerr == io.ErrUnexpectedEOF:
			err = s.putSingle(ctx, key, (*buf)[:n+m])
			s.putBuffer(buf)
		case rerr != nil:
			err = rerr
			s.putBuffer(buf)
		default:
			err = s.putMultipart(ctx, key, buf, r)
		}
	}
	if isPathConflict(err) {
		return weir.Errorf(weir.ErrInvalidParameterValue, "Invalid path: %q clashes with a file or directory of the same name.", p)
	}
	return err
}

func (s *Store) putSingle(ctx context.Context, key string, body []byte) error {
	_, err := s.client.PutObject(ctx, &awss3.PutObjectInput{
		Bucket:            &s.Bucket,
		Key:               &key,
		Body:              bytes.NewReader(body),
		ContentLength:     aws.Int64(int64(len(body))),
		ChecksumAlgorithm: types.ChecksumAlgorithmSha256,
		ChecksumSHA256:    aws.String(sha256Base64(body)),
	})
	return err
}

// putMultipart uploads first (a full part already read) and the rest of r.
func (s *Store) putMultipart(ctx context.Context, key string, first *[]byte, r io.Reader) (err error) {
	created, err := s.client.CreateMultipartUpload(ctx, &awss3.CreateMultipartUploadInput{
		Bucket:            &s.Bucket,
		Key:               &key,
		ChecksumAlgorithm: types.ChecksumAlgorithmSha256,
	})
	if err != nil {
		s.putBuffer(first)
		return err
	}
	id := created.UploadId
	defer func() {
		if err != nil {
			actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), abortTimeout)
			defer cancel()
			if _, aerr := s.client.AbortMultipartUpload(actx, &awss3.AbortMultipartUploadInput{
				Bucket: &s.Bucket, Key: &key, UploadId: id,
			}); aerr != nil {
				err = errors.Join(err, aerr)
			}
		}
	}()
	parts, err := s.uploadParts(ctx, key, *id, first, r)
	if err != nil {
		return err
	}
	_, err = s.client.CompleteMultipartUpload(ctx, &awss3.CompleteMultipartUploadInput{
		Bucket:          &s.Bucket,
		Key:             &key,
		UploadId:        id,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: parts},
	})
	return err
}

// uploadParts reads r part by part while earlier parts are being sent.
// The upload owns at most Concurrency+1 part buffers, reused from part to
// part (one being filled, the others being sent), and at most Concurrency
// parts are in flight.
func (s *Store) uploadParts(ctx context.Context, key, id string, first *[]byte, r io.Reader) ([]types.CompletedPart, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var (
		wg        sync.WaitGroup
		mu        sync.Mutex
		parts     []types.CompletedPart
		slots     = make(chan struct{}, s.Concurrency)
		free      = make(chan *[]byte, s.Concurrency+1)
		allocated = 1 // first
	)
	send := func(num int32, buf *[]byte, n int) {
		defer wg.Done()
		defer func() { <-slots; free <- buf }()
		part, err := s.uploadPart(ctx, key, id, num, (*buf)[:n])
		if err != nil {
			cancel(err)
			return
		}
		mu.Lock()
		parts = append(parts, part)
		mu.Unlock()
	}
	// next returns a buffer to fill: a free one, a new one while fewer
	// than Concurrency+1 exist, else the first one a sender gives back.
	next := func() (*[]byte, bool) {
		select {
		case b := <-free:
			return b, true
		default:
		}
		if allocated < s.Concurrency+1 {
			allocated++
			return s.getBuffer(), true
		}
		select {
		case b := <-free:
			return b, true
		case <-ctx.Done():
			return nil, false
		}
	}
	buf, n := first, len(*first)
	for num := int32(1); ; num++ {
		if num > MaxParts {
			free <- buf
			cancel(weir.Errorf(weir.ErrInvalidParameterValue, "The artifact is larger than %d parts of %d bytes.", MaxParts, s.PartSize))
			break
		}
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			free <- buf
			break
		}
		wg.Add(1)
		go send(num, buf, n)
		if n < len(*buf) {
			break // that was the last, short part
		}
		var ok bool
		if buf, ok = next(); !ok {
			break
		}
		var err error
		n, err = io.ReadFull(r, *buf)
		if err == io.EOF {
			free <- buf
			break
		}
		if err != nil && err != io.ErrUnexpectedEOF {
			free <- buf
			cancel(err)
			break
		}
	}
	wg.Wait()
	close(free)
	for b := range free {
		s.putBuffer(b)
	}
	if err := context.Cause(ctx); err != nil {
		return nil, err
	}
	sort.Slice(parts, func(i, j int) bool { return *parts[i].PartNumber < *parts[j].PartNumber })
	return parts, nil
}

func (s *Store) uploadPart(ctx context.Context, key, id string, num int32, body []byte) (types.CompletedPart, error) {
	sum := sha256Base64(body)
	out, err := s.client.UploadPart(ctx, &awss3.UploadPartInput{
		Bucket:            &s.Bucket,
		Key:               &key,
		UploadId:          &id,
		PartNumber:        aws.Int32(num),
		Body:              bytes.NewReader(body),
		ContentLength:     aws.Int64(int64(len(body))),
		ChecksumAlgorithm: types.ChecksumAlgorithmSha256,
		ChecksumSHA256:    aws.String(sum),
	})
	if err != nil {
		return types.CompletedPart{}, err
	}
	return types.CompletedPart{PartNumber: aws.Int32(num), ETag: out.ETag, ChecksumSHA256: aws.String(sum)}, nil
}

func sha256Base64(b []byte) string {
	sum := sha256.Sum256(b)
	return base64.StdEncoding.EncodeToString(sum[:])
}

func (s *Store) getBuffer() *[]byte {
	if b, ok := s.buffers.Get().(*[]byte); ok && int64(len(*b)) == s.PartSize {
		return b
	}
	b := make([]byte, s.PartSize)
	return &b
}

func (s *Store) putBuffer(b *[]byte) { s.buffers.Put(b) }
