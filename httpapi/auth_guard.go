package httpapi

import (
	"context"
	"sync"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/auth"
	"github.com/weir-ml/weir/registry"
	"github.com/weir-ml/weir/tracking"
)

// guard holds what every guarded service needs: the auth service and a
// cache of which experiment a run belongs to (it never changes), so that a
// permission check on a run costs no extra read of the run.
type guard struct {
	auth *auth.Service
	// tracking is the unguarded store, to find a run's experiment.
	tracking tracking.Service

	mu      sync.Mutex
	runExps map[string]string
}

// runExpCap bounds the run-to-experiment cache; past it the cache empties.
const runExpCap = 100_000

var errDenied = weir.Errorf(weir.ErrPermissionDenied, "Permission denied")

// check fails with PERMISSION_DENIED unless the caller in ctx may do a to
// the resource. A context without a caller is refused: the guard fails
// closed.
func (g *guard) check(ctx context.Context, typ, id string, a auth.Action) error {
	p := principalFrom(ctx)
	if p == nil {
		return errDenied
	}
	if a != auth.ActionRead && p.readOnly() {
		return errDenied
	}
	ok, err := g.auth.Allowed(ctx, p.User, typ, id, a)
	if err != nil {
		return err
	}
	if !ok {
		return errDenied
	}
	return nil
}

// readable returns whether the caller may read a resource, for filtering
// search results.
func (g *guard) readable(ctx context.Context, typ, id string) (bool, error) {
	p := principalFrom(ctx)
	if p == nil {
		return false, nil
	}
	return g.auth.Allowed(ctx, p.User, typ, id, auth.ActionRead)
}

// owner gives the caller MANAGE on a resource it has just created.
func (g *guard) owner(ctx context.Context, typ, id string) error {
	p := principalFrom(ctx)
	if p == nil {
		return errDenied
	}
	return g.auth.GrantOwner(ctx, p.User, typ, id)
}

// filterIDs keeps the experiment IDs the caller may read.
func (g *guard) filterIDs(ctx context.Context, ids []string) ([]string, error) {
	var out []string
	for _, id := range ids {
		ok, err := g.readable(ctx, auth.Experiment, id)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, id)
		}
	}
	return out, nil
}

// maxFillCalls bounds the store calls one filtered search page may make,
// so a caller who may read little of a large store gets short pages
// rather than a scan of everything.
const maxFillCalls = 10

// fillPage asks fetch for pages until it has max results the caller may
// read (keep), asking each time for only as many as are missing so that the
// next-page token stays exact. max 0 means the store's default page, read
// once and filtered.
func fillPage[T any](ctx context.Context, max int, token string,
	fetch func(max int, token string) ([]T, string, error), keep func(T) (bool, error)) ([]T, string, error) {
	var out []T
	for range maxFillCalls {
		want := 0
		if max > 0 {
			want = max - len(out)
		}
		page, next, err := fetch(want, token)
		if err != nil {
			return nil, "", err
		}
		for _, x := range page {
			ok, err := keep(x)
			if err != nil {
				return nil, "", err
			}
			if ok {
				out = append(out, x)
			}
		}
		token = next
		if max == 0 || len(out) >= max || token == "" {
			break
		}
	}
	return out, token, nil
}

// experimentOfRun returns the ID of a run's experiment.
func (g *guard) experimentOfRun(ctx context.Context, runID string) (string, error) {
	g.mu.Lock()
	id, ok := g.runExps[runID]
	g.mu.Unlock()
	if ok {
		return id, nil
	}
	if g.tracking == nil {
		return "", errDenied
	}
	run, err := g.tracking.GetRun(ctx, runID)
	if err != nil {
		return "", err
	}
	id = run.Info.ExperimentID
	g.remember(runID, id)
	return id, nil
}

func (g *guard) remember(runID, expID string) {
	g.mu.Lock()
	if g.runExps == nil || len(g.runExps) >= runExpCap {
		g.runExps = map[string]string{}
	}
	g.runExps[runID] = expID
	g.mu.Unlock()
}

// checkRun checks the caller's permission on a run's experiment.
func (g *guard) checkRun(ctx context.Context, runID string, a auth.Action) error {
	exp, err := g.experimentOfRun(ctx, runID)
	if err != nil {
		return err
	}
	return g.check(ctx, auth.Experiment, exp, a)
}

// checkModel checks the caller's permission on a registered model.
func (g *guard) checkModel(ctx context.Context, name string, a auth.Action) error {
	return g.check(ctx, auth.RegisteredModel, name, a)
}

var (
	_ tracking.Service            = (*guardedTracking)(nil)
	_ registry.Service            = (*guardedRegistry)(nil)
	_ tracking.LoggedModelService = (*guardedLoggedModels)(nil)
)
