package sqlstore

import (
	"math/rand/v2"
	"sync"

	"github.com/weir-ml/weir/tracking"
)

// TrackingService is tracking.Service on a DB. Every method runs in one
// transaction and checks its input with the tracking validators first, so
// every caller gets MLflow's checks.
type TrackingService struct {
	db *DB

	mu  sync.Mutex // guards rng, which names runs
	rng *rand.Rand
}

var _ tracking.Service = (*TrackingService)(nil)

// NewTrackingService returns the tracking service of an open db.
func NewTrackingService(db *DB) *TrackingService {
	return &TrackingService{db: db, rng: rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))}
}

// runName returns a random adjective-noun-NNN run name.
func (s *TrackingService) runName() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return tracking.GenerateRunName(s.rng)
}
