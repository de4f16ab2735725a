package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	mrand "math/rand/v2"
	"strconv"
	"strings"
	"sync"

	weir "github.com/weir-ml/weir"
	"github.com/weir-ml/weir/tracking"
)

// LoggedModelService is tracking.LoggedModelService on a DB: MLflow 3
// logged models with their params and tags. Their metrics are the rows of
// the metrics table logged with their model_id, so LogMetric and LogBatch
// of the tracking service attach metrics to them.
type LoggedModelService struct {
	db *DB

	mu  sync.Mutex // guards rng, which names models
	rng *mrand.Rand
}

var _ tracking.LoggedModelService = (*LoggedModelService)(nil)

// NewLoggedModelService returns the logged-model service of an open db.
func NewLoggedModelService(db *DB) *LoggedModelService {
	return &LoggedModelService{db: db, rng: mrand.New(mrand.NewPCG(mrand.Uint64(), mrand.Uint64()))}
}

// newModelID returns "m-" and 32 random lowercase hex digits.
func newModelID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	b[6] = b[6]&0x0f | 0x40 // uuid4, as MLflow's ids are
	b[8] = b[8]&0x3f | 0x80
	return "m-" + hex.EncodeToString(b[:]), nil
}

// validateLoggedModelName applies MLflow's rule: a given name is non-empty
// and has none of / : . % " ' (it becomes part of URIs).
func validateLoggedModelName(name string) error {
	if name == "" || strings.ContainsAny(name, `/:.%"'`) {
		return weir.Errorf(weir.ErrInvalidParameterValue,
			`Invalid model name ('%s') provided. Model name must be a non-empty string and cannot contain the following characters: ('/', ':', '.', '%%', '"', "'")`, name)
	}
	return nil
}

func noLoggedModel(id string) error {
	return weir.Errorf(weir.ErrResourceDoesNotExist, "Logged model with ID '%s' not found.", id)
}

// CreateLoggedModel creates a PENDING logged model in an active experiment,
// with its artifacts at <experiment artifact location>/models/<id>/artifacts.
func (s *LoggedModelService) CreateLoggedModel(ctx context.Context, c tracking.LoggedModelCreate) (m *tracking.LoggedModel, err error) {
	defer weir.Wrap(&err, "CreateLoggedModel(experiment %q)", c.ExperimentID)
	if c.ExperimentID == "" {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "Missing value for required parameter 'experiment_id'.")
	}
	if err := tracking.ValidateExperimentID(c.ExperimentID); err != nil {
		return nil, err
	}
	name := c.Name
	if name == "" {
		s.mu.Lock()
		name = tracking.GenerateRunName(s.rng)
		s.mu.Unlock()
	} else if err := validateLoggedModelName(name); err != nil {
		return nil, err
	}
	if err := validateModelParams(c.Params); err != nil {
		return nil, err
	}
	if err := validateModelTags(c.Tags); err != nil {
		return nil, err
	}
	id, err := newModelID()
	if err != nil {
		return nil, err
	}
	db := s.db
	err = db.writeTx(ctx, func(tx *txn) error {
		eid, err := activeExperiment(ctx, tx, c.ExperimentID)
		if err != nil {
			return err
		}
		var location string
		if err := tx.scanOne(ctx, `SELECT artifact_location FROM experiments WHERE experiment_id = ?`, []any{eid}, &location); err != nil {
			return err
		}
		now := db.nowMillis()
		if _, err := tx.exec(ctx, `INSERT INTO logged_models
			(model_id, experiment_id, name, artifact_location, creation_timestamp_ms, last_updated_timestamp_ms,
			 status, model_type, source_run_id)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			id, eid, name, joinURI(joinURI(joinURI(location, "models"), id), "artifacts"), now, now,
			tracking.LoggedModelPending, c.ModelType, c.SourceRunID); err != nil {
			return err
		}
		if err := insertModelParams(ctx, tx, id, c.Params); err != nil {
			return err
		}
		if err := putModelTagsLM(ctx, tx, id, c.Tags); err != nil {
			return err
		}
		m, err = getLoggedModel(ctx, tx, id)
		return err
	})
	return m, err
}

// validateModelParams checks logged-model params like run params.
func validateModelParams(params []tracking.Param) error {
	for _, p := range params {
		if err := tracking.ValidateParam(p); err != nil {
			return err
		}
	}
	return nil
}

// validateModelTags checks logged-model tags like run tags.
func validateModelTags(tags []tracking.Tag) error {
	for _, t := range tags {
		if err := tracking.ValidateTag(t); err != nil {
			return err
		}
	}
	return nil
}

// insertModelParams adds params; a key logged again with the same value is
// a no-op and with another value an error, as for runs.
func insertModelParams(ctx context.Context, tx *txn, id string, params []tracking.Param) error {
	for _, p := range params {
		var old string
		err := tx.scanOne(ctx, `SELECT value FROM logged_model_params WHERE model_id = ? AND key = ?`, []any{id, p.Key}, &old)
		switch {
		case isNoRows(err):
			if _, err := tx.exec(ctx, `INSERT INTO logged_model_params (model_id, key, value) VALUES (?, ?, ?)`,
				id, p.Key, p.Value); err != nil {
				return err
			}
		case err != nil:
			return err
		case old != p.Value:
			return weir.Errorf(weir.ErrInvalidParameterValue,
				"Changing param values is not allowed. Param with key='%s' was already logged with value='%s' for model ID='%s'. Attempted logging new value '%s'.",
				p.Key, old, id, p.Value)
		}
	}
	return nil
}

// putModelTagsLM inserts or overwrites logged-model tags.
func putModelTagsLM(ctx context.Context, tx *txn, id string, tags []tracking.Tag) error {
	for _, t := range tags {
		if _, err := tx.exec(ctx, `INSERT INTO logged_model_tags (model_id, key, value) VALUES (?, ?, ?)
			ON CONFLICT (model_id, key) DO UPDATE SET value = excluded.value`, id, t.Key, t.Value); err != nil {
			return err
		}
	}
	return nil
}

// loggedModelRow is what other stores need of a logged model.
type loggedModelRow struct {
	artifactURI string
	sourceRunID string
}

// loggedModelRef returns an active logged model's artifact URI and source
// run, or nil when there is none with that id.
func loggedModelRef(ctx context.Context, tx *txn, id string) (*loggedModelRow, error) {
	var r loggedModelRow
	err := tx.scanOne(ctx, `SELECT artifact_location, source_run_id FROM logged_models
		WHERE model_id = ? AND lifecycle_stage = 'active'`, []any{id}, &r.artifactURI, &r.sourceRunID)
	if isNoRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// activeLoggedModel fails with RESOURCE_DOES_NOT_EXIST unless the model
// exists and is not deleted.
func activeLoggedModel(ctx context.Context, tx *txn, id string) error {
	r, err := loggedModelRef(ctx, tx, id)
	if err == nil && r == nil {
		err = noLoggedModel(id)
	}
	return err
}

// GetLoggedModel returns a logged model that is not deleted.
func (s *LoggedModelService) GetLoggedModel(ctx context.Context, modelID string) (m *tracking.LoggedModel, err error) {
	defer weir.Wrap(&err, "GetLoggedModel(%q)", modelID)
	err = s.db.readTx(ctx, func(tx *txn) error {
		m, err = getLoggedModel(ctx, tx, modelID)
		return err
	})
	return m, err
}

// getLoggedModel loads an active logged model with its data.
func getLoggedModel(ctx context.Context, tx *txn, id string) (*tracking.LoggedModel, error) {
	ms, err := queryLoggedModels(ctx, tx, `WHERE m.model_id = ? AND m.lifecycle_stage = 'active'`, id)
	if err != nil {
		return nil, err
	}
	if len(ms) == 0 {
		return nil, noLoggedModel(id)
	}
	return ms[0], nil
}

// loggedModelColumns are the columns of logged_models m in
// scanLoggedModel's order.
const loggedModelColumns = `m.model_id, m.experiment_id, m.name, m.creation_timestamp_ms, m.last_updated_timestamp_ms,
	m.artifact_location, m.status, m.status_message, m.model_type, m.source_run_id`

func scanLoggedModel(rows *sql.Rows) (*tracking.LoggedModel, error) {
	var m tracking.LoggedModel
	var eid int64
	err := rows.Scan(&m.ModelID, &eid, &m.Name, &m.CreationTimestampMs, &m.LastUpdatedTimestampMs,
		&m.ArtifactURI, &m.Status, &m.StatusMessage, &m.ModelType, &m.SourceRunID)
	m.ExperimentID = strconv.FormatInt(eid, 10)
	return &m, err
}

// queryLoggedModels returns the models selected by the SQL tail on
// logged_models m, in its order, with their data.
func queryLoggedModels(ctx context.Context, tx *txn, tail string, args ...any) ([]*tracking.LoggedModel, error) {
	var ms []*tracking.LoggedModel
	err := tx.each(ctx, `SELECT `+loggedModelColumns+` FROM logged_models m `+tail, args, func(rows *sql.Rows) error {
		m, err := scanLoggedModel(rows)
		ms = append(ms, m)
		return err
	})
	if err != nil {
		return nil, err
	}
	return ms, loadLoggedModelData(ctx, tx, ms)
}

// loadLoggedModelData fills tags, params, metrics and registrations, one
// query per kind and chunk of models.
func loadLoggedModelData(ctx context.Context, tx *txn, ms []*tracking.LoggedModel) error {
	byID := make(map[string]*tracking.LoggedModel, len(ms))
	ids := make([]string, len(ms))
	for i, m := range ms {
		byID[m.ModelID], ids[i] = m, m.ModelID
	}
	return forChunks(ids, func(chunk []any) error {
		in := `IN (` + placeholders(len(chunk)) + `)`
		loaders := []struct {
			query string
			scan  func(rows *sql.Rows) error
		}{
			{`SELECT model_id, key, value FROM logged_model_tags WHERE model_id ` + in + ` ORDER BY model_id, key`,
				func(rows *sql.Rows) error {
					var id string
					var t tracking.Tag
					err := rows.Scan(&id, &t.Key, &t.Value)
					byID[id].Tags = append(byID[id].Tags, t)
					return err
				}},
			{`SELECT model_id, key, value FROM logged_model_params WHERE model_id ` + in + ` ORDER BY model_id, key`,
				func(rows *sql.Rows) error {
					var id string
					var p tracking.Param
					err := rows.Scan(&id, &p.Key, &p.Value)
					byID[id].Params = append(byID[id].Params, p)
					return err
				}},
			{`SELECT model_id, run_uuid, key, value, is_nan, timestamp, step, model_id, dataset_name, dataset_digest
				FROM metrics WHERE model_id ` + in + ` AND model_id <> '' ORDER BY model_id, key, timestamp, step, run_uuid`,
				func(rows *sql.Rows) error {
					var id string
					var m tracking.Metric
					if err := scanMetric(rows, &m, &id, &m.RunID, &m.Key); err != nil {
						return err
					}
					byID[id].Metrics = append(byID[id].Metrics, m)
					return nil
				}},
			{`SELECT model_id, name, version FROM model_versions WHERE model_id ` + in + ` AND model_id <> ''
				ORDER BY model_id, name, version`,
				func(rows *sql.Rows) error {
					var id string
					var r tracking.ModelRegistration
					err := rows.Scan(&id, &r.Name, &r.Version)
					byID[id].Registrations = append(byID[id].Registrations, r)
					return err
				}},
		}
		for _, l := range loaders {
			if err := tx.each(ctx, l.query, chunk, l.scan); err != nil {
				return err
			}
		}
		return nil
	})
}

// FinalizeLoggedModel sets the status of an upload: READY or UPLOAD_FAILED.
func (s *LoggedModelService) FinalizeLoggedModel(ctx context.Context, modelID, status string) (m *tracking.LoggedModel, err error) {
	defer weir.Wrap(&err, "FinalizeLoggedModel(%q, %q)", modelID, status)
	switch status {
	case tracking.LoggedModelReady, tracking.LoggedModelUploadFailed, tracking.LoggedModelPending:
	default:
		return nil, weir.Errorf(weir.ErrInvalidParameterValue,
			"Invalid logged model status %q: want %s or %s", status, tracking.LoggedModelReady, tracking.LoggedModelUploadFailed)
	}
	db := s.db
	err = db.writeTx(ctx, func(tx *txn) error {
		if err := activeLoggedModel(ctx, tx, modelID); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `UPDATE logged_models SET status = ?, last_updated_timestamp_ms = ? WHERE model_id = ?`,
			status, db.nowMillis(), modelID); err != nil {
			return err
		}
		m, err = getLoggedModel(ctx, tx, modelID)
		return err
	})
	return m, err
}

// DeleteLoggedModel soft-deletes a logged model: Get and Search stop
// returning it, as in MLflow, but its rows stay for garbage collection.
func (s *LoggedModelService) DeleteLoggedModel(ctx context.Context, modelID string) (err error) {
	defer weir.Wrap(&err, "DeleteLoggedModel(%q)", modelID)
	db := s.db
	return db.writeTx(ctx, func(tx *txn) error {
		if err := activeLoggedModel(ctx, tx, modelID); err != nil {
			return err
		}
		_, err := tx.exec(ctx, `UPDATE logged_models SET lifecycle_stage = 'deleted', last_updated_timestamp_ms = ? WHERE model_id = ?`,
			db.nowMillis(), modelID)
		return err
	})
}

// SetLoggedModelTags sets or overwrites tags, the last of a repeated key
// winning, and returns the model.
func (s *LoggedModelService) SetLoggedModelTags(ctx context.Context, modelID string, tags []tracking.Tag) (m *tracking.LoggedModel, err error) {
	defer weir.Wrap(&err, "SetLoggedModelTags(%q)", modelID)
	if err := validateModelTags(tags); err != nil {
		return nil, err
	}
	err = s.db.writeTx(ctx, func(tx *txn) error {
		if err := activeLoggedModel(ctx, tx, modelID); err != nil {
			return err
		}
		if err := putModelTagsLM(ctx, tx, modelID, tags); err != nil {
			return err
		}
		m, err = getLoggedModel(ctx, tx, modelID)
		return err
	})
	return m, err
}

// DeleteLoggedModelTag deletes a tag; a missing tag is RESOURCE_DOES_NOT_EXIST.
func (s *LoggedModelService) DeleteLoggedModelTag(ctx context.Context, modelID, key string) (err error) {
	defer weir.Wrap(&err, "DeleteLoggedModelTag(%q, %q)", modelID, key)
	return s.db.writeTx(ctx, func(tx *txn) error {
		if err := activeLoggedModel(ctx, tx, modelID); err != nil {
			return err
		}
		res, err := tx.exec(ctx, `DELETE FROM logged_model_tags WHERE model_id = ? AND key = ?`, modelID, key)
		if err != nil {
			return err
		}
		return mustAffect(res, weir.Errorf(weir.ErrResourceDoesNotExist,
			"No tag with key %s found for model with ID %s.", pyQuote(key), pyQuote(modelID)))
	})
}

// pyQuote renders s as Python's repr does for simple strings.
func pyQuote(s string) string {
	if strings.Contains(s, "'") && !strings.Contains(s, `"`) {
		return `"` + s + `"`
	}
	return "'" + strings.ReplaceAll(s, "'", `\'`) + "'"
}

// LogLoggedModelParams adds params to a logged model.
func (s *LoggedModelService) LogLoggedModelParams(ctx context.Context, modelID string, params []tracking.Param) (err error) {
	defer weir.Wrap(&err, "LogLoggedModelParams(%q)", modelID)
	if err := validateModelParams(params); err != nil {
		return err
	}
	return s.db.writeTx(ctx, func(tx *txn) error {
		if err := activeLoggedModel(ctx, tx, modelID); err != nil {
			return err
		}
		return insertModelParams(ctx, tx, modelID, params)
	})
}
