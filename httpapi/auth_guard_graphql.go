package httpapi

import (
	"context"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/auth"
)

// GraphQL needs no guard of its own for reading: every field runs a REST
// handler on the same, guarded, services (graphql_resolvers.go), so a field
// reads only what the caller could read through REST. What differs is how a
// refusal answers, which this file holds: as in MLflow's GraphQL
// authorization, a field the caller may not read is null without an error,
// and the searches keep the experiments the caller may read rather than
// fail on the others.

// graphqlDenied reports whether err is the guard's refusal.
func graphqlDenied(err error) bool {
	return weir.ErrorCode(err) == weir.ErrPermissionDenied
}

// readableExperiments returns the experiment IDs of a search the caller
// may read, and false when that leaves none (the field is then null). With
// auth off every ID is kept.
func readableExperiments(ctx context.Context, ids []*string) ([]*string, bool, error) {
	s := graphqlServer(ctx)
	g := s.permGuard
	if g == nil || s.Auth == nil {
		return ids, true, nil
	}
	if p := principalFrom(ctx); p != nil && p.User.IsAdmin {
		return ids, true, nil
	}
	var keep []*string
	for _, id := range ids {
		if id == nil {
			continue
		}
		ok, err := g.readable(ctx, auth.Experiment, *id)
		if err != nil {
			return nil, false, err
		}
		if ok {
			keep = append(keep, id)
		}
	}
	return keep, len(keep) > 0, nil
}
