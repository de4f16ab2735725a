package s3

import (
	"context"
	"io"
	"path"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/artifact"
)

// Open implements artifact.Store. The body is streamed; objects stored in
// one request have their checksum checked as they are read.
func (s *Store) Open(ctx context.Context, p string) (rc io.ReadCloser, err error) {
	defer weir.Wrap(&err, "s3.Store.Open(%q)", p)
	clean, key, err := s.key(p)
	if err != nil {
		return nil, err
	}
	if clean == "" {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "Artifact %q is a directory.", p)
	}
	out, err := s.client.GetObject(ctx, &awss3.GetObjectInput{
		Bucket:       &s.Bucket,
		Key:          &key,
		ChecksumMode: types.ChecksumModeEnabled,
	})
	if isNotFound(err) {
		// S3 has no directories, but a prefix with keys under it is one
		// for every caller of Store.
		if isDir, derr := s.hasChildren(ctx, key); derr == nil && isDir {
			return nil, weir.Errorf(weir.ErrInvalidParameterValue, "Artifact %q is a directory.", p)
		}
		return nil, weir.Errorf(weir.ErrResourceDoesNotExist, "Artifact %q does not exist.", p)
	}
	if err != nil {
		return nil, err
	}
	return &object{ReadCloser: out.Body, size: aws.ToInt64(out.ContentLength)}, nil
}

// object is an open object's body; Size lets a server send its length.
type object struct {
	io.ReadCloser
	size int64
}

// Size returns the length of the object in bytes.
func (o *object) Size() int64 { return o.size }

// Size returns the size of the file at p, for presigned downloads.
func (s *Store) Size(ctx context.Context, p string) (size int64, err error) {
	defer weir.Wrap(&err, "s3.Store.Size(%q)", p)
	_, key, err := s.key(p)
	if err != nil {
		return 0, err
	}
	out, err := s.client.HeadObject(ctx, &awss3.HeadObjectInput{Bucket: &s.Bucket, Key: &key})
	if isNotFound(err) {
		return 0, weir.Errorf(weir.ErrResourceDoesNotExist, "Artifact %q does not exist.", p)
	}
	if err != nil {
		return 0, err
	}
	return aws.ToInt64(out.ContentLength), nil
}

// hasChildren reports whether any key lies under the directory key k.
func (s *Store) hasChildren(ctx context.Context, k string) (bool, error) {
	out, err := s.client.ListObjectsV2(ctx, &awss3.ListObjectsV2Input{
		Bucket:  &s.Bucket,
		Prefix:  aws.String(dirPrefix(k)),
		MaxKeys: aws.Int32(1),
	})
	if err != nil {
		return false, err
	}
	return len(out.Contents) > 0, nil
}

// List implements artifact.Store with one delimited listing (paged). A
// path that is a file lists as itself, as artifact.Dir does.
func (s *Store) List(ctx context.Context, dir string) (files []artifact.FileInfo, err error) {
	defer weir.Wrap(&err, "s3.Store.List(%q)", dir)
	clean, key, err := s.key(dir)
	if err != nil {
		return nil, err
	}
	prefix := dirPrefix(key)
	pages := awss3.NewListObjectsV2Paginator(s.client, &awss3.ListObjectsV2Input{
		Bucket:    &s.Bucket,
		Prefix:    &prefix,
		Delimiter: aws.String("/"),
	})
	rel := func(name string) string {
		if clean == "" {
			return name
		}
		return clean + "/" + name
	}
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, cp := range page.CommonPrefixes {
			name := strings.TrimSuffix(strings.TrimPrefix(aws.ToString(cp.Prefix), prefix), "/")
			if validName(name) {
				files = append(files, artifact.FileInfo{Path: rel(name), IsDir: true})
			}
		}
		for _, obj := range page.Contents {
			// A key ending in "/" is a folder marker some tools write.
			name := strings.TrimPrefix(aws.ToString(obj.Key), prefix)
			if validName(name) {
				files = append(files, artifact.FileInfo{Path: rel(name), Size: aws.ToInt64(obj.Size)})
			}
		}
	}
	if len(files) == 0 && clean != "" {
		size, err := s.Size(ctx, clean)
		if err == nil {
			return []artifact.FileInfo{{Path: clean, Size: size}}, nil
		}
		if weir.ErrorCode(err) != weir.ErrResourceDoesNotExist {
			return nil, err
		}
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	return files, nil
}

// validName reports whether one listed name is a usable artifact name:
// keys written by other tools may hold "..", empty elements or characters
// that CleanPath would refuse, and those are skipped rather than served.
func validName(name string) bool {
	if name == "" || strings.Contains(name, "/") {
		return false
	}
	c, err := artifact.CleanPath(name)
	return err == nil && c == name && path.Base(c) == c
}
