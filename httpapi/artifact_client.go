package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/artifact"
)

// proxiedRoot turns an mlflow-artifacts: URI into the path it names under
// the server's artifacts destination.
func proxiedRoot(artifactURI string) (string, error) {
	u, err := url.Parse(artifactURI)
	if err != nil || u.Scheme != "mlflow-artifacts" {
		return "", weir.Errorf(weir.ErrInvalidParameterValue,
			"artifact URI %q is not served by the tracking server (want mlflow-artifacts:/...)", artifactURI)
	}
	return artifact.CleanPath(strings.TrimPrefix(u.Path, "/"))
}

// artifactURL is the proxy URL of rel (already clean) under the server.
func (c *Client) artifactURL(rel string) string {
	segs := strings.Split(rel, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return c.BaseURL + "/api/2.0/mlflow-artifacts/artifacts/" + strings.Join(segs, "/")
}

func (c *Client) send(req *http.Request) (*http.Response, error) {
	switch {
	case c.Token != "":
		req.Header.Set("Authorization", "Bearer "+c.Token)
	case c.Username != "":
		req.SetBasicAuth(c.Username, c.Password)
	}
	hc := c.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		defer resp.Body.Close()
		b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		return nil, decodeError(resp.StatusCode, b)
	}
	return resp, nil
}

// Upload streams r to path under artifactURI (an mlflow-artifacts: URI)
// through the server's artifact proxy, as MLflow's client does with PUT.
func (c *Client) Upload(ctx context.Context, artifactURI, p string, r io.Reader) (err error) {
	defer weir.Wrap(&err, "Upload(%q, %q)", artifactURI, p)
	root, err := proxiedRoot(artifactURI)
	if err != nil {
		return err
	}
	rel, err := artifact.CleanPath(p)
	if err != nil {
		return err
	}
	if rel == "" {
		return weir.Errorf(weir.ErrInvalidParameterValue, "an artifact upload needs a file path")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, c.artifactURL(path.Join(root, rel)), r)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	resp, err := c.send(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, err = io.Copy(io.Discard, resp.Body)
	return err
}

// ListArtifacts lists the entries directly under dir of artifactURI; paths
// in the result are relative to artifactURI.
func (c *Client) ListArtifacts(ctx context.Context, artifactURI, dir string) (files []artifact.FileInfo, err error) {
	defer weir.Wrap(&err, "ListArtifacts(%q, %q)", artifactURI, dir)
	root, err := proxiedRoot(artifactURI)
	if err != nil {
		return nil, err
	}
	rel, err := artifact.CleanPath(dir)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet,
		c.BaseURL+"/api/2.0/mlflow-artifacts/artifacts?path="+url.QueryEscape(path.Join(root, rel)), nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.send(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var body struct {
		Files []struct {
			Path     string `json:"path"`
			IsDir    bool   `json:"is_dir"`
			FileSize int64  `json:"file_size"`
		} `json:"files"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(&body); err != nil {
		return nil, fmt.Errorf("decoding artifact listing: %w", err)
	}
	for _, f := range body.Files {
		// The server answers with names relative to the listed directory.
		name, err := artifact.CleanPath(f.Path)
		if err != nil || name == "" {
			return nil, fmt.Errorf("server listed an unsafe artifact path %q", f.Path)
		}
		files = append(files, artifact.FileInfo{Path: path.Join(rel, name), IsDir: f.IsDir, Size: f.FileSize})
	}
	return files, nil
}

// Download copies every file under artifactURI into destDir, keeping
// relative paths. Files are written to temporary names and renamed, so an
// interrupted download leaves no partial file under its real name.
func (c *Client) Download(ctx context.Context, artifactURI, destDir string) (err error) {
	defer weir.Wrap(&err, "Download(%q)", artifactURI)
	if _, err := proxiedRoot(artifactURI); err != nil {
		return err
	}
	n := 0
	if err := c.downloadDir(ctx, artifactURI, "", destDir, &n); err != nil {
		return err
	}
	if n == 0 {
		return weir.Errorf(weir.ErrResourceDoesNotExist, "no artifacts found under %s", artifactURI)
	}
	return nil
}

func (c *Client) downloadDir(ctx context.Context, artifactURI, dir, destDir string, n *int) error {
	files, err := c.ListArtifacts(ctx, artifactURI, dir)
	if err != nil {
		return err
	}
	// A listing of a file is the file itself, as MLflow's client treats it.
	if len(files) == 1 && !files[0].IsDir && files[0].Path == dir && dir != "" {
		return c.downloadFile(ctx, artifactURI, dir, destDir, n)
	}
	for _, f := range files {
		if f.IsDir {
			if err := c.downloadDir(ctx, artifactURI, f.Path, destDir, n); err != nil {
				return err
			}
			continue
		}
		if err := c.downloadFile(ctx, artifactURI, f.Path, destDir, n); err != nil {
			return err
		}
	}
	return nil
}

func (c *Client) downloadFile(ctx context.Context, artifactURI, rel, destDir string, n *int) error {
	root, _ := proxiedRoot(artifactURI)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.artifactURL(path.Join(root, rel)), nil)
	if err != nil {
		return err
	}
	resp, err := c.send(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	dst := filepath.Join(destDir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".download-*")
	if err != nil {
		return err
	}
	if _, err := io.Copy(tmp, resp.Body); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	*n++
	return os.Rename(tmp.Name(), dst)
}
