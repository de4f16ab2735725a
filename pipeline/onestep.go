package pipeline

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/tracking"
)

// sharedTag marks the pipeline run that invocations with the same
// Runner.Shared log to.
const sharedTag = "weir.pipeline.shared"

// sharedName is what a shared run's name may hold: it goes into a search
// filter, and workflow engines name their runs this way.
var sharedName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$`)

// checkStep validates Step, Force and Shared together and returns the index
// of the last step to run.
func (r *Runner) checkStep() (int, error) {
	if r.Shared != "" && !sharedName.MatchString(r.Shared) {
		return 0, weir.Errorf(weir.ErrInvalidParameterValue, "shared pipeline run %q: use letters, digits, '.', '_' and '-' (at most 200), starting with a letter or digit", r.Shared)
	}
	if r.Step == "" {
		return len(stepDefs) - 1, nil
	}
	i := slices.Index(Steps, r.Step)
	if i < 0 {
		return 0, weir.Errorf(weir.ErrInvalidParameterValue, "--step %q is not a step; steps are %s", r.Step, listText(Steps))
	}
	if r.Force != "" && r.Force != r.Step {
		return 0, weir.Errorf(weir.ErrInvalidParameterValue, "--force %s with --step %s: a single step can only rerun itself (--force %s)", r.Force, r.Step, r.Step)
	}
	return i, nil
}

// notCached is the error of a step that must come from the cache, under
// Step, and is not there (or its run is gone from the tracking store).
func (r *Runner) notCached(step string) error {
	return weir.Errorf(weir.ErrInvalidState,
		"step %s has no result in %s for this spec and tracking store: steps run in the order %s, so run `weir pipeline run --step %s` first, with the same spec, --state-dir and --tracking-uri",
		step, r.StateDir, strings.Join(Steps, ", "), step)
}

// joinShared makes the shared run the pipeline run, if an earlier
// invocation created it; it reports whether it did.
func (r *Runner) joinShared(ctx context.Context) (bool, error) {
	runs, _, err := r.Backend.Tracking.SearchRuns(ctx, tracking.RunSearch{
		ExperimentIDs: []string{r.st.experimentID},
		Filter:        fmt.Sprintf("tags.%s = '%s'", sharedTag, r.Shared),
		OrderBy:       []string{"attributes.start_time ASC"},
		MaxResults:    1,
	})
	if err != nil {
		return false, fmt.Errorf("looking up the shared pipeline run %s: %w", r.Shared, err)
	}
	if len(runs) == 0 {
		return false, nil
	}
	r.parentID = runs[0].Info.RunID
	r.st.summary.PipelineRunID = r.parentID
	running := tracking.StatusRunning
	if _, err := r.Backend.Tracking.UpdateRun(ctx, r.parentID, tracking.RunUpdate{Status: &running}); err != nil {
		return false, fmt.Errorf("reopening the shared pipeline run %s: %w", r.parentID, err)
	}
	return true, nil
}
