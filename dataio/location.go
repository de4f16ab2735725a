// Package dataio opens the data Weir reads and writes outside its stores:
// training data, monitoring data and inference logs, on the local disk or
// in S3-compatible object storage (s3://bucket/prefix), as CSV, JSON lines
// or Parquet chosen by the file extension. A location that names a prefix
// (or a directory) stands for every data file under it, in name order.
package dataio

import (
	"fmt"
	"path"
	"path/filepath"
	"strings"

	"github.com/weir-ml/weir/s3"
)

// Location is a local path or an object-storage URL.
type Location struct {
	// Raw is the location as the user wrote it.
	Raw string
	// Bucket and Key address an s3:// location (Key without surrounding
	// slashes, "" for the bucket root); both are empty for a local path.
	Bucket, Key string
}

// Parse reads s as an s3:// URL or a local path (a file:// URL or a plain
// path). Other URL schemes are refused rather than read as file names.
func Parse(s string) (Location, error) {
	switch {
	case s == "":
		return Location{}, fmt.Errorf("empty data location")
	case strings.HasPrefix(s, "s3://"):
		bucket, key, err := s3.ParseURI(s)
		if err != nil {
			return Location{}, err
		}
		return Location{Raw: s, Bucket: bucket, Key: key}, nil
	case strings.HasPrefix(s, "file://"):
		return Location{Raw: strings.TrimPrefix(s, "file://")}, nil
	}
	if i := strings.Index(s, "://"); i > 0 && !strings.ContainsAny(s[:i], `/\.`) {
		return Location{}, fmt.Errorf("%s: unsupported scheme %q (want a local path or s3://bucket/prefix)", s, s[:i])
	}
	return Location{Raw: s}, nil
}

// IsS3 reports whether l is in object storage.
func (l Location) IsS3() bool { return l.Bucket != "" }

// String returns the location as written.
func (l Location) String() string { return l.Raw }

// Name is the last element of the location: the file or object name.
func (l Location) Name() string {
	if l.IsS3() {
		return path.Base(l.Key)
	}
	return filepath.Base(l.Raw)
}

// Child returns the location of name (slash-separated) under l.
func (l Location) Child(name string) Location {
	if l.IsS3() {
		key := strings.Trim(l.Key+"/"+name, "/")
		return Location{Raw: "s3://" + l.Bucket + "/" + key, Bucket: l.Bucket, Key: key}
	}
	return Location{Raw: filepath.Join(l.Raw, filepath.FromSlash(name))}
}
