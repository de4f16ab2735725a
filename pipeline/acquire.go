package pipeline

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/weir-ml/weir"
)

// maxDownload bounds a download: the bank data is a few MB, and a server that
// sends without end must not fill the disk.
const maxDownload = 512 << 20

// Fetch returns a local data file for the data spec: d.Path as is, or the
// download of d.URL kept under cacheDir. The download is fetched once: a
// cached file is reused when its checksum still holds. A zip download (the
// UCI form: a zip holding bank.zip holding bank-full.csv) is unpacked down to
// d.Member. What Fetch verifies is the SHA-256 of the CSV it returns when
// d.SHA256 is set and the file is the comma form that checksum names; the
// parsed content is verified later against d.Digest, which holds for either
// form.
func Fetch(ctx context.Context, d DataSpec, cacheDir string, client *http.Client) (string, error) {
	if d.Path != "" {
		if _, err := os.Stat(d.Path); err != nil {
			return "", weir.Errorf(weir.ErrInvalidParameterValue, "data: %v", err)
		}
		return d.Path, nil
	}
	if client == nil {
		client = http.DefaultClient
	}
	name := path.Base(strings.SplitN(d.URL, "?", 2)[0])
	if d.Member != "" {
		name = d.Member
	}
	dst := filepath.Join(cacheDir, "data", safeName(name))
	// The sidecar holds the checksum of what was written, so a cached file
	// damaged since is fetched again rather than trusted.
	if want, err := os.ReadFile(dst + ".sha256"); err == nil {
		if ok, _ := fileSHA256Matches(dst, strings.TrimSpace(string(want))); ok {
			return dst, nil
		}
	}
	body, err := download(ctx, client, d.URL)
	if err != nil {
		return "", err
	}
	if isZip(body) {
		if d.Member == "" {
			return "", weir.Errorf(weir.ErrInvalidParameterValue, "data: %s is a zip file; set data.member to the CSV inside it", d.URL)
		}
		if body, err = unzipMember(body, d.Member); err != nil {
			return "", err
		}
	} else if d.SHA256 != "" {
		if got := sha256Hex(body); got != d.SHA256 {
			return "", weir.Errorf(weir.ErrInvalidParameterValue, "data: %s has SHA-256 %s, want %s: refusing a changed or corrupt download", d.URL, got, d.SHA256)
		}
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return "", err
	}
	tmp := dst + ".part"
	if err := os.WriteFile(tmp, body, 0o644); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, dst); err != nil {
		return "", err
	}
	return dst, os.WriteFile(dst+".sha256", []byte(sha256Hex(body)+"\n"), 0o644)
}

func download(ctx context.Context, client *http.Client, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "data.url: %v", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("data: downloading %s: %w (pass a local copy with --data PATH)", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("data: downloading %s: %s", url, resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxDownload+1))
	if err != nil {
		return nil, fmt.Errorf("data: downloading %s: %w", url, err)
	}
	if len(b) > maxDownload {
		return nil, fmt.Errorf("data: %s is larger than %d bytes", url, maxDownload)
	}
	return b, nil
}

func isZip(b []byte) bool { return bytes.HasPrefix(b, []byte("PK\x03\x04")) }

// unzipMember finds member in the zip b, looking inside nested zips too.
func unzipMember(b []byte, member string) ([]byte, error) {
	for depth := 0; depth < 3; depth++ {
		zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return nil, weir.Errorf(weir.ErrInvalidParameterValue, "data: reading zip: %v", err)
		}
		var nested *zip.File
		for _, f := range zr.File {
			switch {
			case path.Base(f.Name) == member:
				return readZipFile(f)
			case strings.HasSuffix(f.Name, ".zip") && nested == nil:
				nested = f
			}
		}
		if nested == nil {
			break
		}
		// The UCI archive holds bank.zip and bank-additional.zip; prefer one
		// whose name the member starts with.
		for _, f := range zr.File {
			stem := strings.TrimSuffix(path.Base(f.Name), ".zip")
			if strings.HasSuffix(f.Name, ".zip") && strings.HasPrefix(member, stem) && len(stem) > 0 {
				nested = f
				break
			}
		}
		if b, err = readZipFile(nested); err != nil {
			return nil, err
		}
	}
	return nil, weir.Errorf(weir.ErrInvalidParameterValue, "data: no %s in the downloaded zip", member)
}

func readZipFile(f *zip.File) ([]byte, error) {
	if f.UncompressedSize64 > maxDownload {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "data: %s inflates to %d bytes", f.Name, f.UncompressedSize64)
	}
	r, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(io.LimitReader(r, maxDownload))
}

func fileSHA256Matches(p, want string) (bool, error) {
	f, err := os.Open(p)
	if err != nil {
		return false, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return false, err
	}
	return hex.EncodeToString(h.Sum(nil)) == want, nil
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func safeName(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == 0 {
			return '_'
		}
		return r
	}, s)
	if s == "" || s == "." || s == ".." {
		return "data.csv"
	}
	return s
}
