package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"strconv"

	weir "github.com/weir-ml/weir"
	"github.com/weir-ml/weir/tracking"
)

// runNameTag is the tag that mirrors a run's name; MLflow always writes it.
const runNameTag = "mlflow.runName"

// CreateRun creates a RUNNING run in an active experiment.
func (s *TrackingService) CreateRun(ctx context.Context, c tracking.RunCreate) (run *tracking.Run, err error) {
	defer weir.Wrap(&err, "CreateRun(experiment %q)", c.ExperimentID)
	if c.ExperimentID == "" {
		c.ExperimentID = "0"
	}
	if err := tracking.ValidateExperimentID(c.ExperimentID); err != nil {
		return nil, err
	}
	// Over-long values are cut as set-tag cuts them: MLflow's SQL store does
	// not check create-run tags at all, so rejecting them would refuse what
	// MLflow accepts.
	tags := append([]tracking.Tag(nil), truncateTags(c.Tags)...)
	tagName, hasTagName := "", false
	for _, t := range tags {
		if err := tracking.ValidateTag(t); err != nil {
			return nil, err
		}
		if t.Key == runNameTag {
			tagName, hasTagName = t.Value, true
		}
	}
	if c.RunName != "" && hasTagName && tagName != c.RunName {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue,
			"Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values (run_name='%s', mlflow.runName='%s').",
			c.RunName, tagName)
	}
	name := c.RunName
	if name == "" {
		name = tagName
	}
	if name == "" {
		name = s.runName()
	}
	if !hasTagName {
		tags = append(tags, tracking.Tag{Key: runNameTag, Value: name})
	}
	id, err := newRunID()
	if err != nil {
		return nil, err
	}
	db := s.db
	start := c.StartTime
	if start == 0 {
		start = db.nowMillis()
	}
	uniq := lastTags(tags)
	if eid, err := parseExperimentID(c.ExperimentID); err == nil {
		uri, err := createRunOneStatement(ctx, db, eid, id, name, c.UserID, start, uniq)
		if err == nil {
			return newRun(id, name, eid, c.UserID, start, uri, uniq), nil
		}
		if !errors.Is(err, errGeneralPath) {
			return nil, err
		}
	}
	// The run is built from what is inserted rather than read back: a new
	// run holds nothing else. In a rowWriteTx the experiment's row is locked
	// against deletion until the run is in (setExperimentStage updates it
	// before its runs), so no active run lands in a deleted experiment.
	err = db.rowWriteTx(ctx, func(tx *txn) error {
		eid, err := parseExperimentID(c.ExperimentID)
		if err != nil {
			return err
		}
		var stage, location string
		err = tx.scanOne(ctx, `SELECT lifecycle_stage, artifact_location FROM experiments WHERE experiment_id = ?`+tx.rowLock(lockShare),
			[]any{eid}, &stage, &location)
		if errors.Is(err, sql.ErrNoRows) {
			return noExperiment(c.ExperimentID)
		}
		if err != nil {
			return err
		}
		if stage != tracking.StageActive {
			return weir.Errorf(weir.ErrInvalidParameterValue,
				"The experiment %s must be in the 'active' state. Current state is %s.", c.ExperimentID, stage)
		}
		uri := joinURI(joinURI(location, id), "artifacts")
		if _, err := tx.exec(ctx, (`INSERT INTO runs
			(run_uuid, name, experiment_id, user_id, status, start_time, end_time, artifact_uri, lifecycle_stage)
			VALUES (?, ?, ?, ?, 'RUNNING', ?, NULL, ?, 'active')`),
			id, name, eid, c.UserID, start, uri); err != nil {
			return err
		}
		// The run is inserted under its name, which mlflow.runName holds.
		if err := insertTags(ctx, tx, id, uniq); err != nil {
			return err
		}
		run = newRun(id, name, eid, c.UserID, start, uri, uniq)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return run, nil
}

// newRun is a run as CreateRun inserts it.
func newRun(id, name string, eid int64, user string, start int64, uri string, tags []tracking.Tag) *tracking.Run {
	return &tracking.Run{
		Info: tracking.RunInfo{RunID: id, RunName: name, ExperimentID: strconv.FormatInt(eid, 10), UserID: user,
			Status: tracking.StatusRunning, StartTime: start, ArtifactURI: uri, LifecycleStage: tracking.StageActive},
		Data: tracking.RunData{Tags: tags},
	}
}

// newRunID returns a random 32-character lowercase hex uuid4.
func newRunID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	return hex.EncodeToString(b[:]), nil
}

// GetRun returns a run with its latest metrics, params, tags, inputs and
// outputs, whatever its lifecycle stage.
func (s *TrackingService) GetRun(ctx context.Context, runID string) (run *tracking.Run, err error) {
	defer weir.Wrap(&err, "GetRun(%q)", runID)
	if err := tracking.ValidateRunID(runID); err != nil {
		return nil, err
	}
	err = s.db.readTx(ctx, func(tx *txn) error {
		runs, err := loadRuns(ctx, tx, []string{runID})
		if err != nil {
			return err
		}
		if len(runs) == 0 {
			return noRun(runID)
		}
		run = runs[0]
		return nil
	})
	return run, err
}

// UpdateRun changes the status, end time or name of an active run. A new
// name is mirrored in the mlflow.runName tag.
func (s *TrackingService) UpdateRun(ctx context.Context, runID string, u tracking.RunUpdate) (info *tracking.RunInfo, err error) {
	defer weir.Wrap(&err, "UpdateRun(%q)", runID)
	if err := tracking.ValidateRunID(runID); err != nil {
		return nil, err
	}
	if u.Status != nil && !validStatus(*u.Status) {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "Invalid run status %q", string(*u.Status))
	}
	db := s.db
	err = db.writeTx(ctx, func(tx *txn) error {
		if _, err := activeRun(ctx, tx, runID); err != nil {
			return err
		}
		if u.Status != nil {
			if _, err := tx.exec(ctx, (`UPDATE runs SET status = ? WHERE run_uuid = ?`), string(*u.Status), runID); err != nil {
				return err
			}
		}
		if u.EndTime != nil {
			if _, err := tx.exec(ctx, (`UPDATE runs SET end_time = ? WHERE run_uuid = ?`), *u.EndTime, runID); err != nil {
				return err
			}
		}
		if u.RunName != nil && *u.RunName != "" {
			if err := putTags(ctx, tx, runID, []tracking.Tag{{Key: runNameTag, Value: *u.RunName}}); err != nil {
				return err
			}
		}
		infos, err := queryRunInfos(ctx, tx, `WHERE run_uuid = ?`, runID)
		if err != nil {
			return err
		}
		info = &infos[0]
		return nil
	})
	return info, err
}

func validStatus(st tracking.RunStatus) bool {
	switch st {
	case tracking.StatusRunning, tracking.StatusScheduled, tracking.StatusFinished, tracking.StatusFailed, tracking.StatusKilled:
		return true
	}
	return false
}

// DeleteRun soft-deletes a run.
func (s *TrackingService) DeleteRun(ctx context.Context, runID string) (err error) {
	defer weir.Wrap(&err, "DeleteRun(%q)", runID)
	return s.setRunStage(ctx, runID, tracking.StageDeleted)
}

// RestoreRun restores a deleted run.
func (s *TrackingService) RestoreRun(ctx context.Context, runID string) (err error) {
	defer weir.Wrap(&err, "RestoreRun(%q)", runID)
	return s.setRunStage(ctx, runID, tracking.StageActive)
}

func (s *TrackingService) setRunStage(ctx context.Context, runID, stage string) error {
	if err := tracking.ValidateRunID(runID); err != nil {
		return err
	}
	db := s.db
	return db.writeTx(ctx, func(tx *txn) error {
		var deleted any
		if stage == tracking.StageDeleted {
			deleted = db.nowMillis()
		}
		res, err := tx.exec(ctx, (`UPDATE runs SET lifecycle_stage = ?, deleted_time = ? WHERE run_uuid = ?`),
			stage, deleted, runID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return noRun(runID)
		}
		return nil
	})
}

func noRun(id string) error {
	return weir.Errorf(weir.ErrResourceDoesNotExist, "Run with id=%s not found", id)
}

// activeRun returns the experiment key of run id, or MLflow's error when the
// run does not exist or is not active (logging to it is then refused).
func activeRun(ctx context.Context, tx *txn, id string) (int64, error) {
	eid, _, err := activeRunStarted(ctx, tx, id, lockShare)
	return eid, err
}

// activeRunStarted is activeRun that also returns the run's start time,
// which inserted params carry (see insertParams). In a rowWriteTx it locks
// the run's row with strength (lockShare, or lockUpdate when the transaction
// will change the row), so that the run stays active until it commits.
func activeRunStarted(ctx context.Context, tx *txn, id, strength string) (eid, start int64, err error) {
	var stage string
	err = tx.scanOne(ctx, `SELECT experiment_id, lifecycle_stage, start_time FROM runs WHERE run_uuid = ?`+tx.rowLock(strength),
		[]any{id}, &eid, &stage, &start)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, noRun(id)
	}
	if err != nil {
		return 0, 0, err
	}
	if stage != tracking.StageActive {
		return 0, 0, weir.Errorf(weir.ErrInvalidParameterValue,
			"The run %s must be in the 'active' state. Current state is %s.", id, stage)
	}
	return eid, start, nil
}

// runColumns are the RunInfo columns of runs aliased r, in scanRunInfo's order.
const runColumns = `r.run_uuid, r.name, r.experiment_id, r.user_id, r.status, r.start_time, r.end_time, r.artifact_uri, r.lifecycle_stage`

// scanRunInfo scans runColumns, followed by dest.
func scanRunInfo(rows *sql.Rows, dest ...any) (tracking.RunInfo, error) {
	var info tracking.RunInfo
	var eid int64
	var status string
	var end sql.NullInt64
	err := rows.Scan(append([]any{&info.RunID, &info.RunName, &eid, &info.UserID, &status,
		&info.StartTime, &end, &info.ArtifactURI, &info.LifecycleStage}, dest...)...)
	info.ExperimentID = strconv.FormatInt(eid, 10)
	info.Status = tracking.RunStatus(status)
	if end.Valid {
		info.EndTime = &end.Int64
	}
	return info, err
}

// queryRunInfos returns the run infos selected by the SQL tail on runs r.
func queryRunInfos(ctx context.Context, tx *txn, tail string, args ...any) ([]tracking.RunInfo, error) {
	var infos []tracking.RunInfo
	err := tx.each(ctx, `SELECT `+runColumns+` FROM runs r `+tail, args, func(rows *sql.Rows) error {
		info, err := scanRunInfo(rows)
		infos = append(infos, info)
		return err
	})
	return infos, err
}

// loadRuns returns the runs with the given ids that exist, in the order of
// ids, with all their data.
func loadRuns(ctx context.Context, tx *txn, ids []string) ([]*tracking.Run, error) {
	byID := make(map[string]*tracking.Run, len(ids))
	err := forChunks(ids, func(chunk []any) error {
		infos, err := queryRunInfos(ctx, tx, `WHERE r.run_uuid IN (`+placeholders(len(chunk))+`)`, chunk...)
		for _, info := range infos {
			byID[info.RunID] = &tracking.Run{Info: info}
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	runs := make([]*tracking.Run, 0, len(byID))
	for _, id := range ids {
		if r := byID[id]; r != nil {
			runs = append(runs, r)
		}
	}
	return runs, loadRunData(ctx, tx, runs)
}
