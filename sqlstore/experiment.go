package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strconv"
	"strings"

	weir "github.com/weir-ml/weir"
	"github.com/weir-ml/weir/tracking"
)

// CreateExperiment creates an active experiment. Without artifactLocation the
// experiment keeps its artifacts under <DefaultArtifactRoot>/<id>.
func (s *TrackingService) CreateExperiment(ctx context.Context, name, artifactLocation string, tags []tracking.Tag) (id string, err error) {
	defer weir.Wrap(&err, "CreateExperiment(%q)", name)
	if err := tracking.ValidateExperimentName(name); err != nil {
		return "", err
	}
	for _, t := range tags {
		if err := tracking.ValidateExperimentTag(t); err != nil {
			return "", err
		}
	}
	artifactLocation, err = resolveLocal(artifactLocation)
	if err != nil {
		return "", err
	}
	db := s.db
	err = db.writeTx(ctx, func(tx *txn) error {
		var n int
		if err := tx.scanOne(ctx, `SELECT COUNT(*) FROM experiments WHERE name = ?`, []any{name}, &n); err != nil {
			return err
		}
		if n > 0 {
			return weir.Errorf(weir.ErrResourceAlreadyExists, "Experiment(name=%s) already exists.", name)
		}
		now := db.nowMillis()
		var eid int64
		if err := tx.scanOne(ctx, `INSERT INTO experiments
			(experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time)
			VALUES ((SELECT COALESCE(MAX(experiment_id), 0) + 1 FROM experiments), ?, ?, 'active', ?, ?)
			RETURNING experiment_id`, []any{name, artifactLocation, now, now}, &eid); err != nil {
			return err
		}
		id = strconv.FormatInt(eid, 10)
		if artifactLocation == "" {
			if _, err := tx.exec(ctx, (`UPDATE experiments SET artifact_location = ? WHERE experiment_id = ?`),
				joinURI(db.DefaultArtifactRoot, id), eid); err != nil {
				return err
			}
		}
		return putExperimentTags(ctx, tx, eid, tags)
	})
	if err != nil {
		return "", err
	}
	return id, nil
}

// resolveLocal makes a relative local artifact location absolute against
// the working directory, as MLflow's store does, so that it keeps meaning the
// same place whatever directory clients run in. Locations with a scheme
// other than file: are left alone.
func resolveLocal(loc string) (string, error) {
	rest, isFile := strings.CutPrefix(loc, "file:")
	if loc == "" || !isFile && strings.Contains(loc, "://") || !isFile && hasScheme(loc) {
		return loc, nil
	}
	if !isFile {
		if filepath.IsAbs(loc) {
			return loc, nil
		}
		return filepath.Abs(loc)
	}
	if strings.HasPrefix(rest, "/") {
		return loc, nil // file:/abs or file:///abs
	}
	abs, err := filepath.Abs(rest)
	if err != nil {
		return "", err
	}
	return "file://" + filepath.ToSlash(abs), nil
}

// hasScheme reports whether loc starts with a URI scheme such as s3: or
// mlflow-artifacts:.
func hasScheme(loc string) bool {
	i := strings.IndexByte(loc, ':')
	if i <= 0 {
		return false
	}
	for j, r := range loc[:i] {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || j > 0 && (r >= '0' && r <= '9' || r == '+' || r == '-' || r == '.')
		if !ok {
			return false
		}
	}
	return true
}

// putExperimentTags inserts or overwrites tags of an experiment.
func putExperimentTags(ctx context.Context, tx *txn, eid int64, tags []tracking.Tag) error {
	for _, t := range tags {
		if _, err := tx.exec(ctx, (`INSERT INTO experiment_tags (experiment_id, key, value) VALUES (?, ?, ?)
			ON CONFLICT (experiment_id, key) DO UPDATE SET value = excluded.value`), eid, t.Key, t.Value); err != nil {
			return err
		}
	}
	return nil
}

// GetExperiment returns the experiment with the given id, active or deleted.
func (s *TrackingService) GetExperiment(ctx context.Context, id string) (exp *tracking.Experiment, err error) {
	defer weir.Wrap(&err, "GetExperiment(%q)", id)
	if err := tracking.ValidateExperimentID(id); err != nil {
		return nil, err
	}
	err = s.db.readTx(ctx, func(tx *txn) error {
		eid, err := parseExperimentID(id)
		if err != nil {
			return err
		}
		exps, err := queryExperiments(ctx, tx, `WHERE experiment_id = ?`, eid)
		if err != nil {
			return err
		}
		if len(exps) == 0 {
			return noExperiment(id)
		}
		exp = exps[0]
		return nil
	})
	return exp, err
}

// GetExperimentByName returns the experiment with the given name, preferring
// an active one.
func (s *TrackingService) GetExperimentByName(ctx context.Context, name string) (exp *tracking.Experiment, err error) {
	defer weir.Wrap(&err, "GetExperimentByName(%q)", name)
	err = s.db.readTx(ctx, func(tx *txn) error {
		exps, err := queryExperiments(ctx, tx,
			`WHERE name = ? ORDER BY CASE lifecycle_stage WHEN 'active' THEN 0 ELSE 1 END, experiment_id`, name)
		if err != nil {
			return err
		}
		if len(exps) == 0 {
			return weir.Errorf(weir.ErrResourceDoesNotExist, "Could not find experiment with name '%s'", name)
		}
		exp = exps[0]
		return nil
	})
	return exp, err
}

// UpdateExperiment renames an active experiment.
func (s *TrackingService) UpdateExperiment(ctx context.Context, id, newName string) (err error) {
	defer weir.Wrap(&err, "UpdateExperiment(%q, %q)", id, newName)
	if err := tracking.ValidateExperimentID(id); err != nil {
		return err
	}
	if err := tracking.ValidateExperimentName(newName); err != nil {
		return err
	}
	db := s.db
	return db.writeTx(ctx, func(tx *txn) error {
		eid, stage, err := experimentStage(ctx, tx, id)
		if err != nil {
			return err
		}
		if stage != tracking.StageActive {
			return weir.Errorf(weir.ErrInvalidState, "Cannot rename a non-active experiment.")
		}
		var n int
		if err := tx.scanOne(ctx, `SELECT COUNT(*) FROM experiments WHERE name = ? AND experiment_id <> ?`,
			[]any{newName, eid}, &n); err != nil {
			return err
		}
		if n > 0 {
			return weir.Errorf(weir.ErrResourceAlreadyExists, "Experiment(name=%s) already exists.", newName)
		}
		_, err = tx.exec(ctx, (`UPDATE experiments SET name = ?, last_update_time = ? WHERE experiment_id = ?`),
			newName, db.nowMillis(), eid)
		return err
	})
}

// DeleteExperiment soft-deletes an active experiment and its runs.
func (s *TrackingService) DeleteExperiment(ctx context.Context, id string) (err error) {
	defer weir.Wrap(&err, "DeleteExperiment(%q)", id)
	return s.setExperimentStage(ctx, id, tracking.StageActive, tracking.StageDeleted)
}

// RestoreExperiment restores a deleted experiment and its runs.
func (s *TrackingService) RestoreExperiment(ctx context.Context, id string) (err error) {
	defer weir.Wrap(&err, "RestoreExperiment(%q)", id)
	return s.setExperimentStage(ctx, id, tracking.StageDeleted, tracking.StageActive)
}

// setExperimentStage moves an experiment in stage from, and all its runs, to
// stage to. As in MLflow, an experiment not in stage from does not exist for
// this call.
func (s *TrackingService) setExperimentStage(ctx context.Context, id, from, to string) error {
	if err := tracking.ValidateExperimentID(id); err != nil {
		return err
	}
	db := s.db
	return db.writeTx(ctx, func(tx *txn) error {
		eid, stage, err := experimentStage(ctx, tx, id)
		if err != nil {
			return err
		}
		if stage != from {
			return noExperiment(id)
		}
		now := db.nowMillis()
		if _, err := tx.exec(ctx, (`UPDATE experiments SET lifecycle_stage = ?, last_update_time = ? WHERE experiment_id = ?`),
			to, now, eid); err != nil {
			return err
		}
		var deleted any
		if to == tracking.StageDeleted {
			deleted = now
		}
		_, err = tx.exec(ctx, (`UPDATE runs SET lifecycle_stage = ?, deleted_time = ? WHERE experiment_id = ?`),
			to, deleted, eid)
		return err
	})
}

// SetExperimentTag sets a tag on an active experiment.
func (s *TrackingService) SetExperimentTag(ctx context.Context, id, key, value string) (err error) {
	defer weir.Wrap(&err, "SetExperimentTag(%q, %q)", id, key)
	if err := tracking.ValidateExperimentID(id); err != nil {
		return err
	}
	if err := tracking.ValidateExperimentTag(tracking.Tag{Key: key, Value: value}); err != nil {
		return err
	}
	db := s.db
	return db.writeTx(ctx, func(tx *txn) error {
		eid, err := activeExperiment(ctx, tx, id)
		if err != nil {
			return err
		}
		return putExperimentTags(ctx, tx, eid, []tracking.Tag{{Key: key, Value: value}})
	})
}

// DeleteExperimentTag deletes a tag of an active experiment.
func (s *TrackingService) DeleteExperimentTag(ctx context.Context, id, key string) (err error) {
	defer weir.Wrap(&err, "DeleteExperimentTag(%q, %q)", id, key)
	if err := tracking.ValidateExperimentID(id); err != nil {
		return err
	}
	db := s.db
	return db.writeTx(ctx, func(tx *txn) error {
		eid, err := activeExperiment(ctx, tx, id)
		if err != nil {
			return err
		}
		res, err := tx.exec(ctx, (`DELETE FROM experiment_tags WHERE experiment_id = ? AND key = ?`), eid, key)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return weir.Errorf(weir.ErrResourceDoesNotExist, "No tag with name: %s in experiment with id %s", key, id)
		}
		return nil
	})
}

// parseExperimentID turns a wire experiment ID into the integer key. MLflow's
// SQL store parses IDs before it looks them up, so an ID that is not an
// integer is a bad argument rather than a missing experiment.
func parseExperimentID(id string) (int64, error) {
	eid, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return 0, weir.Errorf(weir.ErrInvalidParameterValue,
			"Invalid experiment ID '%s'. Experiment ID must be a valid integer.", id)
	}
	return eid, nil
}

// experimentKeys parses the experiment ids of a search (spaces around an id
// are allowed, as MLflow's searches allow them) into query arguments.
func experimentKeys(ids []string) ([]any, error) {
	keys := make([]any, len(ids))
	for i, id := range ids {
		n, err := strconv.ParseInt(strings.TrimSpace(id), 10, 64)
		if err != nil {
			return nil, weir.Errorf(weir.ErrInvalidParameterValue, "Invalid experiment ID '%s'. Experiment ID must be a valid integer.", id)
		}
		keys[i] = n
	}
	return keys, nil
}

func noExperiment(id string) error {
	return weir.Errorf(weir.ErrResourceDoesNotExist, "No Experiment with id=%s exists", id)
}

// experimentStage returns the key and lifecycle stage of experiment id.
func experimentStage(ctx context.Context, tx *txn, id string) (int64, string, error) {
	eid, err := parseExperimentID(id)
	if err != nil {
		return 0, "", err
	}
	var stage string
	err = tx.scanOne(ctx, `SELECT lifecycle_stage FROM experiments WHERE experiment_id = ?`, []any{eid}, &stage)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", noExperiment(id)
	}
	return eid, stage, err
}

// activeExperiment returns the key of experiment id, or MLflow's error when
// it does not exist or is deleted.
func activeExperiment(ctx context.Context, tx *txn, id string) (int64, error) {
	eid, stage, err := experimentStage(ctx, tx, id)
	if err != nil {
		return 0, err
	}
	if stage != tracking.StageActive {
		return 0, weir.Errorf(weir.ErrInvalidParameterValue,
			"The experiment %s must be in the 'active' state. Current state is %s.", id, stage)
	}
	return eid, nil
}

const experimentColumns = `experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time`

// queryExperiments returns the experiments selected by the SQL tail (WHERE,
// ORDER BY, LIMIT ...), in that order, with their tags.
func queryExperiments(ctx context.Context, tx *txn, tail string, args ...any) ([]*tracking.Experiment, error) {
	var exps []*tracking.Experiment
	byID := map[int64]*tracking.Experiment{}
	err := tx.each(ctx, `SELECT `+experimentColumns+` FROM experiments `+tail, args, func(rows *sql.Rows) error {
		var e tracking.Experiment
		var eid int64
		if err := rows.Scan(&eid, &e.Name, &e.ArtifactLocation, &e.LifecycleStage, &e.CreationTime, &e.LastUpdateTime); err != nil {
			return err
		}
		e.ID = strconv.FormatInt(eid, 10)
		exps = append(exps, &e)
		byID[eid] = &e
		return nil
	})
	if err != nil || len(exps) == 0 {
		return exps, err
	}
	ids := make([]int64, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	err = forChunks(ids, func(chunk []any) error {
		return tx.each(ctx, `SELECT experiment_id, key, value FROM experiment_tags
			WHERE experiment_id IN (`+placeholders(len(chunk))+`) ORDER BY experiment_id, key`, chunk, func(rows *sql.Rows) error {
			var eid int64
			var t tracking.Tag
			if err := rows.Scan(&eid, &t.Key, &t.Value); err != nil {
				return err
			}
			e := byID[eid]
			e.Tags = append(e.Tags, t)
			return nil
		})
	})
	return exps, err
}

// placeholders returns "?, ?, ..." with n placeholders.
func placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}
