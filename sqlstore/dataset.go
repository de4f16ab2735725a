package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"sort"
	"strconv"

	weir "github.com/weir-ml/weir"
	"github.com/weir-ml/weir/evaldata"
)

// DatasetService is evaldata.Service and evaldata.ScorerService on a DB.
type DatasetService struct {
	db *DB
}

var (
	_ evaldata.Service       = (*DatasetService)(nil)
	_ evaldata.ScorerService = (*DatasetService)(nil)
)

// NewDatasetService returns the evaluation dataset and scorer service of an
// open db.
func NewDatasetService(db *DB) *DatasetService { return &DatasetService{db: db} }

// newPrefixedID returns prefix and 32 random hex digits, as MLflow names
// datasets (d-) and records (dr-).
func newPrefixedID(prefix string) (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return prefix + hex.EncodeToString(b[:]), nil
}

func noDataset(id string) error {
	return weir.Errorf(weir.ErrResourceDoesNotExist, "Evaluation dataset with id '%s' not found", id)
}

// CreateDataset creates a dataset linked to the experiments named, which
// must exist.
func (s *DatasetService) CreateDataset(ctx context.Context, name string, tags map[string]string, experimentIDs []string) (ds *evaldata.Dataset, err error) {
	defer weir.Wrap(&err, "CreateDataset(%q)", name)
	if name == "" {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "Missing value for required parameter 'name'.")
	}
	id, err := newPrefixedID("d-")
	if err != nil {
		return nil, err
	}
	now := s.db.nowMillis()
	user := tags[evaldata.TagUser]
	err = s.db.writeTx(ctx, func(tx *txn) error {
		if _, err := tx.exec(ctx, `INSERT INTO eval_datasets (dataset_id, name, digest, created_time, last_update_time,
				created_by, last_updated_by) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			id, name, evaldata.Digest(name, now), now, now, user, user); err != nil {
			return err
		}
		if err := putDatasetTags(ctx, tx, id, tags); err != nil {
			return err
		}
		if err := linkExperiments(ctx, tx, id, experimentIDs, now); err != nil {
			return err
		}
		ds, err = getDataset(ctx, tx, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	ds.ExperimentIDs = append([]string{}, experimentIDs...)
	return ds, nil
}

// linkExperiments links a dataset to experiments that exist, skipping
// links already made.
func linkExperiments(ctx context.Context, tx *txn, id string, experimentIDs []string, now int64) error {
	for _, e := range experimentIDs {
		eid, _, err := experimentStage(ctx, tx, e)
		if err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `INSERT INTO eval_dataset_experiments (dataset_id, experiment_id, created_time)
			VALUES (?, ?, ?) ON CONFLICT (dataset_id, experiment_id) DO NOTHING`, id, eid, now); err != nil {
			return err
		}
	}
	return nil
}

// putDatasetTags upserts tags in key order, so concurrent writers lock rows
// in one order.
func putDatasetTags(ctx context.Context, tx *txn, id string, tags map[string]string) error {
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if _, err := tx.exec(ctx, `INSERT INTO eval_dataset_tags (dataset_id, key, value) VALUES (?, ?, ?)
			ON CONFLICT (dataset_id, key) DO UPDATE SET value = excluded.value`, id, k, tags[k]); err != nil {
			return err
		}
	}
	return nil
}

const datasetColumns = `d.dataset_id, d.name, d.schema_json, d.profile_json, d.digest, d.created_time, d.last_update_time,
	d.created_by, d.last_updated_by`

// queryDatasets returns the datasets the query selects, in its order, with
// their tags.
func queryDatasets(ctx context.Context, tx *txn, q string, args ...any) ([]evaldata.Dataset, error) {
	var out []evaldata.Dataset
	err := tx.each(ctx, q, args, func(rows *sql.Rows) error {
		var d evaldata.Dataset
		if err := rows.Scan(&d.ID, &d.Name, &d.Schema, &d.Profile, &d.Digest, &d.CreatedTime, &d.LastUpdateTime,
			&d.CreatedBy, &d.LastUpdatedBy); err != nil {
			return err
		}
		d.Tags = map[string]string{}
		out = append(out, d)
		return nil
	})
	if err != nil || len(out) == 0 {
		return out, err
	}
	byID := make(map[string]*evaldata.Dataset, len(out))
	ids := make([]string, len(out))
	for i := range out {
		byID[out[i].ID] = &out[i]
		ids[i] = out[i].ID
	}
	// In chunks: a page can hold more datasets than SQLite takes
	// placeholders.
	err = forChunks(ids, func(chunk []any) error {
		return tx.each(ctx, `SELECT dataset_id, key, value FROM eval_dataset_tags WHERE dataset_id IN (`+placeholders(len(chunk))+`)`,
			chunk, func(rows *sql.Rows) error {
				var id, k, v string
				if err := rows.Scan(&id, &k, &v); err != nil {
					return err
				}
				byID[id].Tags[k] = v
				return nil
			})
	})
	return out, err
}

func getDataset(ctx context.Context, tx *txn, id string) (*evaldata.Dataset, error) {
	ds, err := queryDatasets(ctx, tx, `SELECT `+datasetColumns+` FROM eval_datasets d WHERE d.dataset_id = ?`, id)
	if err != nil {
		return nil, err
	}
	if len(ds) == 0 {
		return nil, noDataset(id)
	}
	return &ds[0], nil
}

// GetDataset returns a dataset without its records or experiments.
func (s *DatasetService) GetDataset(ctx context.Context, id string) (ds *evaldata.Dataset, err error) {
	defer weir.Wrap(&err, "GetDataset(%q)", id)
	err = s.db.readTx(ctx, func(tx *txn) error {
		ds, err = getDataset(ctx, tx, id)
		return err
	})
	return ds, err
}

// DeleteDataset deletes a dataset, its tags, records and links.
func (s *DatasetService) DeleteDataset(ctx context.Context, id string) (err error) {
	defer weir.Wrap(&err, "DeleteDataset(%q)", id)
	return s.db.writeTx(ctx, func(tx *txn) error {
		_, err := tx.exec(ctx, `DELETE FROM eval_datasets WHERE dataset_id = ?`, id)
		return err
	})
}

// datasetExists returns the error for a dataset that is not there, with
// the message the caller's MLflow method uses.
func datasetExists(ctx context.Context, tx *txn, id string, missing func(string) error) error {
	var n int
	err := tx.scanOne(ctx, `SELECT 1 FROM eval_datasets WHERE dataset_id = ?`, []any{id}, &n)
	if errors.Is(err, sql.ErrNoRows) {
		return missing(id)
	}
	return err
}

// SetDatasetTags adds or replaces tags of a dataset.
func (s *DatasetService) SetDatasetTags(ctx context.Context, id string, tags map[string]string) (err error) {
	defer weir.Wrap(&err, "SetDatasetTags(%q)", id)
	return s.db.writeTx(ctx, func(tx *txn) error {
		if err := datasetExists(ctx, tx, id, func(id string) error {
			return weir.Errorf(weir.ErrResourceDoesNotExist, "Could not find evaluation dataset with ID %s", id)
		}); err != nil {
			return err
		}
		return putDatasetTags(ctx, tx, id, tags)
	})
}

// DeleteDatasetTag removes a tag of a dataset, if it is there.
func (s *DatasetService) DeleteDatasetTag(ctx context.Context, id, key string) (err error) {
	defer weir.Wrap(&err, "DeleteDatasetTag(%q, %q)", id, key)
	return s.db.writeTx(ctx, func(tx *txn) error {
		_, err := tx.exec(ctx, `DELETE FROM eval_dataset_tags WHERE dataset_id = ? AND key = ?`, id, key)
		return err
	})
}

// GetExperimentIDs returns the experiments a dataset is linked to, in id
// order; none for a dataset that does not exist, as MLflow answers.
func (s *DatasetService) GetExperimentIDs(ctx context.Context, id string) (ids []string, err error) {
	defer weir.Wrap(&err, "GetExperimentIDs(%q)", id)
	err = s.db.readTx(ctx, func(tx *txn) error {
		ids, err = datasetExperiments(ctx, tx, id)
		return err
	})
	return ids, err
}

func datasetExperiments(ctx context.Context, tx *txn, id string) ([]string, error) {
	ids := []string{}
	err := tx.each(ctx, `SELECT experiment_id FROM eval_dataset_experiments WHERE dataset_id = ? ORDER BY experiment_id`,
		[]any{id}, func(rows *sql.Rows) error {
			var eid int64
			if err := rows.Scan(&eid); err != nil {
				return err
			}
			ids = append(ids, strconv.FormatInt(eid, 10))
			return nil
		})
	return ids, err
}

func noLinkedDataset(id string) error {
	return weir.Errorf(weir.ErrResourceDoesNotExist, "Dataset '%s' not found", id)
}

// AddToExperiments links a dataset to more experiments, which must exist.
func (s *DatasetService) AddToExperiments(ctx context.Context, id string, experimentIDs []string) (ds *evaldata.Dataset, err error) {
	defer weir.Wrap(&err, "AddToExperiments(%q)", id)
	err = s.db.writeTx(ctx, func(tx *txn) error {
		if err := datasetExists(ctx, tx, id, noLinkedDataset); err != nil {
			return err
		}
		now := s.db.nowMillis()
		if err := linkExperiments(ctx, tx, id, experimentIDs, now); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `UPDATE eval_datasets SET last_update_time = ? WHERE dataset_id = ?`, now, id); err != nil {
			return err
		}
		ds, err = getDataset(ctx, tx, id)
		return err
	})
	return ds, err
}

// RemoveFromExperiments unlinks a dataset from experiments; links that are
// not there are skipped.
func (s *DatasetService) RemoveFromExperiments(ctx context.Context, id string, experimentIDs []string) (ds *evaldata.Dataset, err error) {
	defer weir.Wrap(&err, "RemoveFromExperiments(%q)", id)
	err = s.db.writeTx(ctx, func(tx *txn) error {
		if err := datasetExists(ctx, tx, id, noLinkedDataset); err != nil {
			return err
		}
		removed := int64(0)
		for _, e := range experimentIDs {
			eid, err := parseExperimentID(e)
			if err != nil {
				return err
			}
			res, err := tx.exec(ctx, `DELETE FROM eval_dataset_experiments WHERE dataset_id = ? AND experiment_id = ?`, id, eid)
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			removed += n
		}
		if removed > 0 {
			if _, err := tx.exec(ctx, `UPDATE eval_datasets SET last_update_time = ? WHERE dataset_id = ?`, s.db.nowMillis(), id); err != nil {
				return err
			}
		}
		ds, err = getDataset(ctx, tx, id)
		return err
	})
	return ds, err
}
