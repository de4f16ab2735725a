package s3

import (
	"context"
	"io"
	"testing"
)

// BenchmarkPut measures streamed uploads of 32 MiB (multipart, parts of
// 5 MiB) and of 64 KiB (one request) against the test S3 server.
//
//	go test ./s3 -run '^$' -bench Put -benchtime 5x
func BenchmarkPut(b *testing.B) {
	for _, bc := range []struct {
		name string
		size int64
	}{{"64KiB", 64 << 10}, {"32MiB", 32 << 20}} {
		b.Run(bc.name, func(b *testing.B) {
			s := mustTestStore(b)
			b.SetBytes(bc.size)
			b.ReportAllocs()
			for b.Loop() {
				if err := s.Put(context.Background(), "bench.bin", &patternReader{n: bc.size}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkOpen measures reading a 32 MiB object back.
func BenchmarkOpen(b *testing.B) {
	s := mustTestStore(b)
	const size = 32 << 20
	if err := s.Put(context.Background(), "bench.bin", &patternReader{n: size}); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		rc, err := s.Open(context.Background(), "bench.bin")
		if err != nil {
			b.Fatal(err)
		}
		if n, err := io.Copy(io.Discard, rc); err != nil || n != size {
			b.Fatalf("read %d, %v", n, err)
		}
		rc.Close()
	}
}
