package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/weir-ml/weir/tracking"
)

// journal is what one step logged to the pipeline run: a run that replays
// the step from the cache logs the same, so that every pipeline run holds
// the params, metrics, tags and reports of all its steps.
type journal struct {
	Params  []tracking.Param   `json:"params,omitempty"`
	Metrics map[string]float64 `json:"metrics,omitempty"`
	Tags    []tracking.Tag     `json:"tags,omitempty"`
	Files   []loggedFile       `json:"files,omitempty"`
}

// loggedFile is a local file uploaded under an artifact directory.
type loggedFile struct {
	Dir  string `json:"dir"`
	Path string `json:"path"`
}

// noting returns the journal to add to when runID is the pipeline run and a
// step is running, else nil.
func (r *Runner) noting(runID string) *journal {
	if runID != r.parentID {
		return nil
	}
	return r.journal
}

// setTag sets a tag on the pipeline run.
func (r *Runner) setTag(ctx context.Context, key, value string) error {
	t := tracking.Tag{Key: key, Value: value}
	if j := r.journal; j != nil {
		j.Tags = append(j.Tags, t)
	}
	return r.Backend.Tracking.SetTag(ctx, r.parentID, t)
}

// replay logs a cached step's journal to this invocation's run, and tags
// the run with the run that computed it.
func (r *Runner) replay(ctx context.Context, step string, rec record) error {
	j := rec.Logged
	if err := r.logParams(ctx, r.parentID, j.Params); err != nil {
		return err
	}
	if err := r.logMetrics(ctx, r.parentID, j.Metrics); err != nil {
		return err
	}
	for _, t := range j.Tags {
		if err := r.Backend.Tracking.SetTag(ctx, r.parentID, t); err != nil {
			return err
		}
	}
	for _, f := range j.Files {
		if err := r.logFile(ctx, r.parentID, f.Dir, f.Path); err != nil {
			return fmt.Errorf("report %s: %w", f.Path, err)
		}
	}
	return r.Backend.Tracking.SetTag(ctx, r.parentID, tracking.Tag{Key: "weir.pipeline.step." + step, Value: "cached from run " + rec.RunID})
}

// touch marks a cache entry as used now, so pruning keeps the entries in
// use longest.
func touch(dir string) {
	now := time.Now()
	_ = os.Chtimes(filepath.Join(dir, "result.json"), now, now)
}

// prune keeps the newest CacheEntries results of each step, and always the
// ones this run used (keys).
func (r *Runner) prune(keys map[string]string) error {
	keep := r.CacheEntries
	if keep <= 0 {
		keep = DefaultCacheEntries
	}
	var errs []error
	for _, step := range Steps {
		used := ""
		if k, ok := keys[step]; ok {
			used = k[:16]
		}
		_, _, err := pruneStep(filepath.Join(r.StateDir, r.Spec.Name, step), keep, used)
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// cacheEntry is one step result in the state directory.
type cacheEntry struct {
	dir   string
	used  time.Time
	bytes int64 // filled when needed: walking every entry costs
}

// entries lists a step directory's results, newest first; anything else in
// it (the layout of earlier Weir versions, half-written entries) is
// returned as stale.
func entries(stepDir string) (live, stale []cacheEntry, err error) {
	des, err := os.ReadDir(stepDir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	for _, de := range des {
		e := cacheEntry{dir: filepath.Join(stepDir, de.Name())}
		info, err := os.Stat(filepath.Join(e.dir, "result.json"))
		if !de.IsDir() || len(de.Name()) != 16 || err != nil {
			stale = append(stale, e)
			continue
		}
		e.used = info.ModTime()
		live = append(live, e)
	}
	slices.SortFunc(live, func(a, b cacheEntry) int { return b.used.Compare(a.used) })
	return live, stale, nil
}

// pruneStep removes all but the newest keep entries of a step (and never
// the one named used), and every stale file.
func pruneStep(stepDir string, keep int, used string) (removed int, freed int64, err error) {
	live, stale, err := entries(stepDir)
	if err != nil {
		return 0, 0, err
	}
	var drop []cacheEntry
	kept := 0
	for _, e := range live {
		if filepath.Base(e.dir) == used || kept < keep {
			kept++
			continue
		}
		drop = append(drop, e)
	}
	var errs []error
	for _, e := range append(stale, drop...) {
		e.bytes = du(e.dir) // sized only when removed: runs prune every time
		if err := os.RemoveAll(e.dir); err != nil {
			errs = append(errs, err)
			continue
		}
		removed++
		freed += e.bytes
	}
	return removed, freed, errors.Join(errs...)
}

func du(path string) int64 {
	var n int64
	filepath.WalkDir(path, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}

// GC prunes the step cache under stateDir, every pipeline in it: each step
// keeps its newest keep results, then the oldest results go until the
// whole cache is at most maxBytes (0: no size cap). It reports what it
// removed to w.
func GC(stateDir string, keep int, maxBytes int64, w io.Writer) (removed int, freed int64, err error) {
	specs, err := os.ReadDir(stateDir)
	if errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintf(w, "%s does not exist: nothing to prune\n", stateDir)
		return 0, 0, nil
	}
	if err != nil {
		return 0, 0, err
	}
	var all []cacheEntry
	for _, sd := range specs {
		if !sd.IsDir() || sd.Name() == "data" {
			continue
		}
		for _, step := range Steps {
			stepDir := filepath.Join(stateDir, sd.Name(), step)
			n, b, err := pruneStep(stepDir, keep, "")
			if err != nil {
				return removed, freed, err
			}
			removed, freed = removed+n, freed+b
			live, _, err := entries(stepDir)
			if err != nil {
				return removed, freed, err
			}
			all = append(all, live...)
		}
	}
	if maxBytes > 0 {
		slices.SortFunc(all, func(a, b cacheEntry) int { return b.used.Compare(a.used) })
		var total int64
		for i := range all {
			all[i].bytes = du(all[i].dir)
			total += all[i].bytes
		}
		for i := len(all) - 1; i >= 0 && total > maxBytes; i-- {
			if err := os.RemoveAll(all[i].dir); err != nil {
				return removed, freed, err
			}
			total -= all[i].bytes
			removed, freed = removed+1, freed+all[i].bytes
		}
	}
	fmt.Fprintf(w, "removed %d cached step %s (%s)\n", removed, plural(removed, "result", "results"), humanBytes(freed))
	return removed, freed, nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// humanBytes writes n as "12.3 MB".
func humanBytes(n int64) string {
	units := []string{"B", "kB", "MB", "GB", "TB"}
	f, u := float64(n), 0
	for f >= 1000 && u < len(units)-1 {
		f, u = f/1000, u+1
	}
	if u == 0 {
		return fmt.Sprintf("%d B", n)
	}
	return strings.TrimSuffix(fmt.Sprintf("%.1f", f), ".0") + " " + units[u]
}
