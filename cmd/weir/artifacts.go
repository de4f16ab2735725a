//go:build !weir_serve

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/weir-ml/weir/artifact"
	"github.com/weir-ml/weir/mlmodel"
)

type artifactsCmd struct {
	List     artifactsListCmd     `cmd:"" help:"List a run's artifacts."`
	Upload   artifactsUploadCmd   `cmd:"" help:"Upload files to a run's artifacts."`
	Download artifactsDownloadCmd `cmd:"" help:"Download a run's artifacts."`
}

type artifactsListCmd struct {
	trackingFlags
	RunID string `required:"" help:"Run ID."`
	Path  string `help:"Directory inside the run's artifacts." default:""`
}

func (c *artifactsListCmd) Run(g *globals) error {
	b, uri, err := runArtifacts(g, &c.trackingFlags, c.RunID)
	if err != nil {
		return err
	}
	defer b.close()
	files, err := b.artifacts.ListArtifacts(g.ctx, uri, c.Path)
	if err != nil {
		return err
	}
	if c.Output == "json" {
		out := make([]any, len(files))
		for i, f := range files {
			out[i] = map[string]any{"path": f.Path, "is_dir": f.IsDir, "file_size": f.Size}
		}
		return writeJSON(g.stdout, map[string]any{"root_uri": uri, "files": out})
	}
	t := newTable(g.stdout, "PATH", "SIZE")
	for _, f := range files {
		size := strconv.FormatInt(f.Size, 10)
		if f.IsDir {
			size, f.Path = "-", f.Path+"/"
		}
		t.row(f.Path, size)
	}
	return t.flush()
}

type artifactsUploadCmd struct {
	trackingFlags
	RunID        string   `required:"" help:"Run ID."`
	ArtifactPath string   `help:"Directory inside the run's artifacts to upload into." default:""`
	Files        []string `arg:"" help:"Local files to upload." type:"existingfile"`
}

func (c *artifactsUploadCmd) Run(g *globals) error {
	if _, err := artifact.CleanPath(c.ArtifactPath); err != nil {
		return usagef("--artifact-path %q: must be a relative path without '..'", c.ArtifactPath)
	}
	b, uri, err := runArtifacts(g, &c.trackingFlags, c.RunID)
	if err != nil {
		return err
	}
	defer b.close()
	var uploaded []any
	for _, name := range c.Files {
		f, err := os.Open(name)
		if err != nil {
			return usagef("%v", err)
		}
		dest := filepath.Base(name)
		if c.ArtifactPath != "" {
			dest = c.ArtifactPath + "/" + dest
		}
		err = b.artifacts.Upload(g.ctx, uri, dest, f)
		f.Close()
		if err != nil {
			return err
		}
		fmt.Fprintf(g.stderr, "uploaded %s → %s/%s\n", name, uri, dest)
		uploaded = append(uploaded, map[string]any{"file": name, "path": dest})
	}
	if c.Output == "json" {
		return writeJSON(g.stdout, map[string]any{"root_uri": uri, "uploaded": uploaded})
	}
	return nil
}

type artifactsDownloadCmd struct {
	trackingFlags
	RunID string `required:"" help:"Run ID."`
	Path  string `help:"File or directory inside the run's artifacts (default: everything)." default:""`
	Dest  string `short:"d" help:"Local directory to download into." default:"."`
}

func (c *artifactsDownloadCmd) Run(g *globals) error {
	rel, err := artifact.CleanPath(c.Path)
	if err != nil {
		return usagef("--path %q: must be a relative path without '..'", c.Path)
	}
	b, uri, err := runArtifacts(g, &c.trackingFlags, c.RunID)
	if err != nil {
		return err
	}
	defer b.close()
	if rel != "" {
		uri += "/" + rel
	}
	if err := b.artifacts.Download(g.ctx, uri, c.Dest); err != nil {
		return err
	}
	fmt.Fprintf(g.stderr, "downloaded %s into %s\n", uri, c.Dest)
	if c.Output == "json" {
		return writeJSON(g.stdout, map[string]any{"uri": uri, "dir": c.Dest})
	}
	return nil
}

// runArtifacts opens the backend and returns the run's artifact root URI.
func runArtifacts(g *globals, f *trackingFlags, runID string) (*backend, string, error) {
	b, err := f.openBackend(g.ctx)
	if err != nil {
		return nil, "", err
	}
	run, err := b.tracking.GetRun(g.ctx, runID)
	if err != nil {
		b.close()
		return nil, "", err
	}
	return b, run.Info.ArtifactURI, nil
}

type modelsDownloadCmd struct {
	trackingFlags
	URI  string `arg:"" help:"Model URI: models:/NAME/VERSION, models:/NAME@ALIAS, models:/NAME/STAGE, models:/m-ID or runs:/RUN_ID/NAME."`
	Dest string `short:"d" help:"Directory to download the model into (must not exist or be empty)." required:""`
}

func (c *modelsDownloadCmd) Run(g *globals) error {
	if !strings.HasPrefix(c.URI, "models:/") && !strings.HasPrefix(c.URI, "runs:/") {
		return usagef("%q: want a models:/ or runs:/ URI", c.URI)
	}
	if entries, err := os.ReadDir(c.Dest); err == nil && len(entries) > 0 {
		return usagef("-d %s: directory is not empty", c.Dest)
	}
	b, err := c.openBackend(g.ctx)
	if err != nil {
		return err
	}
	defer b.close()
	parent := filepath.Dir(filepath.Clean(c.Dest))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(parent, ".weir-download-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	dir, err := mlmodel.Resolve(g.ctx, c.URI, mlmodel.Sources{
		Runs: b.tracking, LoggedModels: b.loggedModels, Registry: b.registry, Artifacts: b.artifacts, DownloadDir: tmp,
	})
	if err != nil {
		return err
	}
	os.Remove(c.Dest) // an empty directory is replaced
	if err := os.Rename(dir, c.Dest); err != nil {
		return err
	}
	fmt.Fprintf(g.stderr, "downloaded %s into %s\n", c.URI, c.Dest)
	if c.Output == "json" {
		return writeJSON(g.stdout, map[string]any{"uri": c.URI, "dir": c.Dest})
	}
	return nil
}
