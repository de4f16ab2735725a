package oci

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/weir-ml/weir"
)

// gzipLevel is fixed: the compressed bytes, and so the layer digest, depend
// on it (and on the Go release's compress/flate, so one weir release always
// gives the same digests). compress/gzip writes no name and a zero mtime in
// its header. Level 9 saves under 1% on the binary for 2.5 times the time.
const gzipLevel = gzip.DefaultCompression

// entry is one file or directory in a layer.
type entry struct {
	name string // path inside the image, without a leading slash
	dir  bool
	mode int64
	uid  int
	// src is the file to copy from; data is used when src is empty.
	src  string
	data []byte
}

// layerBuilder collects entries and writes them as one reproducible layer.
type layerBuilder struct {
	entries []entry
	seen    map[string]bool
	mtime   time.Time
	// owner is the uid and gid of the entries added from now on.
	owner int
}

// newLayerBuilder returns a builder whose entries belong to UID and GID
// and carry mtime.
func newLayerBuilder(mtime time.Time) *layerBuilder {
	return &layerBuilder{seen: map[string]bool{}, mtime: mtime, owner: UID}
}

// addDir adds a directory and its parents.
func (b *layerBuilder) addDir(name string, mode int64) {
	name = strings.Trim(name, "/")
	if name == "" || name == "." || b.seen[name] {
		return
	}
	b.addDir(path.Dir(name), 0o755)
	b.seen[name] = true
	b.entries = append(b.entries, entry{name: name, dir: true, mode: mode, uid: b.owner})
}

// addData adds a file holding data.
func (b *layerBuilder) addData(name string, mode int64, data []byte) {
	name = strings.Trim(name, "/")
	b.addDir(path.Dir(name), 0o755)
	b.seen[name] = true
	b.entries = append(b.entries, entry{name: name, mode: mode, uid: b.owner, data: data})
}

// addFile adds the regular file src as name.
func (b *layerBuilder) addFile(name string, mode int64, src string) {
	name = strings.Trim(name, "/")
	b.addDir(path.Dir(name), 0o755)
	b.seen[name] = true
	b.entries = append(b.entries, entry{name: name, mode: mode, uid: b.owner, src: src})
}

// addTree adds every file under the local directory src as dest/<relative
// path>. Files become read-only (0444) and directories 0555: the model is
// data the server reads, never writes. Symbolic links and special files are
// refused rather than followed, so the image holds exactly the directory.
func (b *layerBuilder) addTree(dest, src string) error {
	b.addDir(dest, 0o555)
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		if rel == "." {
			return nil
		}
		name := path.Join(dest, filepath.ToSlash(rel))
		switch {
		case d.IsDir():
			b.addDir(name, 0o555)
		case d.Type().IsRegular():
			b.addFile(name, 0o444, p)
		default:
			return weir.Errorf(weir.ErrInvalidParameterValue, "%s is not a regular file or directory (%v); copy the real file into the model directory", p, d.Type())
		}
		return nil
	})
}

// layer writes the entries, sorted by name, as a gzip-compressed tar and
// returns it as an image layer of the given media type.
func (b *layerBuilder) layer(mt types.MediaType) (v1.Layer, error) {
	gz, err := b.compressed()
	if err != nil {
		return nil, err
	}
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(gz)), nil
	}, tarball.WithMediaType(mt))
}

func (b *layerBuilder) compressed() ([]byte, error) {
	sort.Slice(b.entries, func(i, j int) bool { return b.entries[i].name < b.entries[j].name })
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzipLevel)
	if err != nil {
		return nil, err
	}
	tw := tar.NewWriter(zw)
	for _, e := range b.entries {
		if err := b.write(tw, e); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func (b *layerBuilder) write(tw *tar.Writer, e entry) error {
	h := &tar.Header{
		Name:    e.name,
		Mode:    e.mode,
		Uid:     e.uid,
		Gid:     e.uid,
		ModTime: b.mtime,
	}
	if e.dir {
		h.Typeflag = tar.TypeDir
		h.Name += "/"
		return tw.WriteHeader(h)
	}
	h.Typeflag = tar.TypeReg
	if e.src == "" {
		h.Size = int64(len(e.data))
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		_, err := tw.Write(e.data)
		return err
	}
	f, err := os.Open(e.src)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	h.Size = st.Size()
	if err := tw.WriteHeader(h); err != nil {
		return err
	}
	// CopyN, so a file that grows while we read cannot overrun its header.
	if _, err := io.CopyN(tw, f, h.Size); err != nil {
		return fmt.Errorf("reading %s: %w", e.src, err)
	}
	return nil
}
