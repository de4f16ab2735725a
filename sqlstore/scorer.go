package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	weir "github.com/weir-ml/weir"
	"github.com/weir-ml/weir/evaldata"
	"github.com/weir-ml/weir/tracking"
)

// newUUID returns a random (version 4) UUID, the form of MLflow's scorer ids.
func newUUID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:]), nil
}

func noScorer(name, experimentID string, version int) error {
	if version > 0 {
		return weir.Errorf(weir.ErrResourceDoesNotExist,
			"Scorer with name '%s' and version %d not found for experiment %s.", name, version, experimentID)
	}
	return weir.Errorf(weir.ErrResourceDoesNotExist, "Scorer with name '%s' not found for experiment %s.", name, experimentID)
}

// RegisterScorer stores the next version of a scorer of an active
// experiment.
func (s *DatasetService) RegisterScorer(ctx context.Context, experimentID, name, serialized string) (sv *evaldata.ScorerVersion, err error) {
	defer weir.Wrap(&err, "RegisterScorer(%q, %q)", experimentID, name)
	if strings.TrimSpace(name) == "" {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "Scorer name cannot be empty or contain only whitespace.")
	}
	err = s.db.writeTx(ctx, func(tx *txn) error {
		eid, err := activeExperiment(ctx, tx, experimentID)
		if err != nil {
			return err
		}
		var scorerID string
		err = tx.scanOne(ctx, `SELECT scorer_id FROM scorers WHERE experiment_id = ? AND name = ?`, []any{eid, name}, &scorerID)
		if errors.Is(err, sql.ErrNoRows) {
			if scorerID, err = newUUID(); err != nil {
				return err
			}
			_, err = tx.exec(ctx, `INSERT INTO scorers (scorer_id, experiment_id, name) VALUES (?, ?, ?)`, scorerID, eid, name)
		}
		if err != nil {
			return err
		}
		var version int
		if err := tx.scanOne(ctx, `SELECT COALESCE(MAX(version), 0) + 1 FROM scorer_versions WHERE scorer_id = ?`,
			[]any{scorerID}, &version); err != nil {
			return err
		}
		now := s.db.nowMillis()
		if _, err := tx.exec(ctx, `INSERT INTO scorer_versions (scorer_id, version, serialized, creation_time) VALUES (?, ?, ?, ?)`,
			scorerID, version, serialized, now); err != nil {
			return err
		}
		sv = &evaldata.ScorerVersion{ExperimentID: strconv.FormatInt(eid, 10), Name: name, Version: version,
			ScorerID: scorerID, Serialized: serialized, CreationTime: now}
		return nil
	})
	return sv, err
}

const scorerColumns = `s.experiment_id, s.name, v.version, s.scorer_id, v.serialized, v.creation_time`

func queryScorers(ctx context.Context, tx *txn, tail string, args ...any) ([]evaldata.ScorerVersion, error) {
	out := []evaldata.ScorerVersion{}
	err := tx.each(ctx, `SELECT `+scorerColumns+` FROM scorers s JOIN scorer_versions v ON v.scorer_id = s.scorer_id `+tail,
		args, func(rows *sql.Rows) error {
			var sv evaldata.ScorerVersion
			var eid int64
			if err := rows.Scan(&eid, &sv.Name, &sv.Version, &sv.ScorerID, &sv.Serialized, &sv.CreationTime); err != nil {
				return err
			}
			sv.ExperimentID = strconv.FormatInt(eid, 10)
			out = append(out, sv)
			return nil
		})
	return out, err
}

// ListScorers returns the latest version of each scorer of the
// experiments (all active experiments when none are named).
func (s *DatasetService) ListScorers(ctx context.Context, experimentIDs []string) (out []evaldata.ScorerVersion, err error) {
	defer weir.Wrap(&err, "ListScorers")
	latest := `WHERE v.version = (SELECT MAX(version) FROM scorer_versions WHERE scorer_id = s.scorer_id)`
	err = s.db.readTx(ctx, func(tx *txn) error {
		if len(experimentIDs) == 0 {
			out, err = queryScorers(ctx, tx, latest+` AND s.experiment_id IN (SELECT experiment_id FROM experiments
				WHERE lifecycle_stage = ?) ORDER BY s.experiment_id, s.name`, tracking.StageActive)
			return err
		}
		ids := make([]any, len(experimentIDs))
		for i, e := range experimentIDs {
			if ids[i], err = parseExperimentID(e); err != nil {
				return err
			}
		}
		if len(ids) == 1 {
			if _, err := activeExperiment(ctx, tx, experimentIDs[0]); err != nil {
				return err
			}
		}
		out, err = queryScorers(ctx, tx, latest+` AND s.experiment_id IN (`+placeholders(len(ids))+`)
			ORDER BY s.experiment_id, s.name`, ids...)
		return err
	})
	return out, err
}

// ListScorerVersions returns every version of a scorer, oldest first.
func (s *DatasetService) ListScorerVersions(ctx context.Context, experimentID, name string) (out []evaldata.ScorerVersion, err error) {
	defer weir.Wrap(&err, "ListScorerVersions(%q, %q)", experimentID, name)
	err = s.db.readTx(ctx, func(tx *txn) error {
		eid, err := activeExperiment(ctx, tx, experimentID)
		if err != nil {
			return err
		}
		out, err = queryScorers(ctx, tx, `WHERE s.experiment_id = ? AND s.name = ? ORDER BY v.version`, eid, name)
		if err == nil && len(out) == 0 {
			err = noScorer(name, experimentID, 0)
		}
		return err
	})
	return out, err
}

// GetScorer returns a version of a scorer, the latest when version is 0.
func (s *DatasetService) GetScorer(ctx context.Context, experimentID, name string, version int) (sv *evaldata.ScorerVersion, err error) {
	defer weir.Wrap(&err, "GetScorer(%q, %q, %d)", experimentID, name, version)
	err = s.db.readTx(ctx, func(tx *txn) error {
		eid, err := activeExperiment(ctx, tx, experimentID)
		if err != nil {
			return err
		}
		tail, args := `WHERE s.experiment_id = ? AND s.name = ? ORDER BY v.version DESC LIMIT 1`, []any{eid, name}
		if version > 0 {
			tail, args = `WHERE s.experiment_id = ? AND s.name = ? AND v.version = ?`, []any{eid, name, version}
		}
		found, err := queryScorers(ctx, tx, tail, args...)
		if err != nil {
			return err
		}
		if len(found) == 0 {
			return noScorer(name, experimentID, version)
		}
		sv = &found[0]
		return nil
	})
	return sv, err
}

// DeleteScorer deletes one version of a scorer, or the scorer and all its
// versions when version is 0. As in MLflow, deleting single versions
// keeps the scorer's id, so later versions keep counting from it.
func (s *DatasetService) DeleteScorer(ctx context.Context, experimentID, name string, version int) (err error) {
	defer weir.Wrap(&err, "DeleteScorer(%q, %q, %d)", experimentID, name, version)
	return s.db.writeTx(ctx, func(tx *txn) error {
		eid, err := activeExperiment(ctx, tx, experimentID)
		if err != nil {
			return err
		}
		var scorerID string
		err = tx.scanOne(ctx, `SELECT scorer_id FROM scorers WHERE experiment_id = ? AND name = ?`, []any{eid, name}, &scorerID)
		if errors.Is(err, sql.ErrNoRows) {
			return noScorer(name, experimentID, 0)
		} else if err != nil {
			return err
		}
		q, args := `DELETE FROM scorer_versions WHERE scorer_id = ?`, []any{scorerID}
		if version > 0 {
			q, args = q+` AND version = ?`, append(args, version)
		}
		res, err := tx.exec(ctx, q, args...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return noScorer(name, experimentID, version)
		}
		if version == 0 {
			_, err = tx.exec(ctx, `DELETE FROM scorers WHERE scorer_id = ?`, scorerID)
		}
		return err
	})
}
