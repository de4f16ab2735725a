package sqlstore

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	weir "github.com/weir-ml/weir"
	"github.com/weir-ml/weir/evaldata"
)

// defaultRecordResults is the page size of GetRecords when none is asked,
// as MLflow's.
const defaultRecordResults = 1000

// UpsertRecords inserts records, merging each into the record with the same
// inputs, then updates the dataset's schema, profile, digest and update
// time, as MLflow's upsert_dataset_records does.
func (s *DatasetService) UpsertRecords(ctx context.Context, id string, records []evaldata.RecordInput) (res evaldata.UpsertResult, err error) {
	defer weir.Wrap(&err, "UpsertRecords(%q, %d records)", id, len(records))
	err = s.db.writeTx(ctx, func(tx *txn) error {
		var name, oldSchema string
		err := tx.scanOne(ctx, `SELECT name, schema_json FROM eval_datasets WHERE dataset_id = ?`, []any{id}, &name, &oldSchema)
		if errors.Is(err, sql.ErrNoRows) {
			return noDataset(id)
		} else if err != nil {
			return err
		}
		now := s.db.nowMillis()
		updatedBy := ""
		res = evaldata.UpsertResult{}
		for _, in := range records {
			if u, ok := in.Tags[evaldata.TagUser]; ok {
				updatedBy = u
			}
			inserted, err := upsertRecord(ctx, tx, id, in, now)
			if err != nil {
				return err
			}
			if inserted {
				res.Inserted++
			} else {
				res.Updated++
			}
		}
		schema, err := evaldata.UpdateSchema(oldSchema, records)
		if err != nil {
			return err
		}
		var n int
		if err := tx.scanOne(ctx, `SELECT COUNT(*) FROM eval_dataset_records WHERE dataset_id = ?`, []any{id}, &n); err != nil {
			return err
		}
		profile := ""
		if n > 0 {
			profile = `{"num_records": ` + strconv.Itoa(n) + `}`
		}
		// MLflow sets last_updated_by from this upsert's records only,
		// clearing it when none carries the user tag.
		_, err = tx.exec(ctx, `UPDATE eval_datasets SET last_update_time = ?, last_updated_by = ?, digest = ?,
				schema_json = CASE WHEN ? = '' THEN schema_json ELSE ? END,
				profile_json = CASE WHEN ? = '' THEN profile_json ELSE ? END
			WHERE dataset_id = ?`, now, updatedBy, evaldata.Digest(name, now), schema, schema, profile, profile, id)
		return err
	})
	return res, err
}

// upsertRecord inserts one record or merges it into the stored one with the
// same inputs; it says whether it inserted. The insert goes first and
// yields on conflict, so a new record costs one statement; writers are
// serialized (writeTx), so the merge reads what the last writer left.
func upsertRecord(ctx context.Context, tx *txn, datasetID string, in evaldata.RecordInput, now int64) (bool, error) {
	hash, err := evaldata.InputHash(in.Inputs)
	if err != nil {
		return false, err
	}
	id, err := newPrefixedID("dr-")
	if err != nil {
		return false, err
	}
	r := evaldata.NewRecord(in, now)
	tags, _ := json.Marshal(r.Tags)
	res, err := tx.exec(ctx, `INSERT INTO eval_dataset_records (record_id, dataset_id, input_hash, inputs, outputs,
			expectations, tags, source, source_id, source_type, created_time, last_update_time, created_by, last_updated_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (dataset_id, input_hash) DO NOTHING`,
		id, datasetID, hash, string(r.Inputs), nullJSON(r.Outputs), nullJSON(r.Expectations), string(tags),
		nullJSON(r.Source), r.SourceID, r.SourceType, now, now, r.CreatedBy, r.LastUpdatedBy)
	if err != nil {
		return false, err
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return n == 1, err
	}
	recs, err := queryRecords(ctx, tx, `WHERE dataset_id = ? AND input_hash = ?`, datasetID, hash)
	if err != nil {
		return false, err
	}
	if len(recs) == 0 {
		return false, errors.New("record with inputs hash " + hash + " conflicted but is not there")
	}
	old := recs[0]
	if err := old.Merge(in, now); err != nil {
		return false, err
	}
	tags, _ = json.Marshal(old.Tags)
	_, err = tx.exec(ctx, `UPDATE eval_dataset_records SET outputs = ?, expectations = ?, tags = ?, last_update_time = ?,
		last_updated_by = ? WHERE record_id = ?`,
		nullJSON(old.Outputs), nullJSON(old.Expectations), string(tags), old.LastUpdateTime, old.LastUpdatedBy, old.ID)
	return false, err
}

// nullJSON stores absent JSON as SQL NULL.
func nullJSON(raw json.RawMessage) any {
	if raw == nil {
		return nil
	}
	return string(raw)
}

const recordColumns = `record_id, dataset_id, inputs, outputs, expectations, tags, source, source_id, source_type,
	created_time, last_update_time, created_by, last_updated_by`

func queryRecords(ctx context.Context, tx *txn, tail string, args ...any) ([]evaldata.Record, error) {
	var out []evaldata.Record
	err := tx.each(ctx, `SELECT `+recordColumns+` FROM eval_dataset_records `+tail, args, func(rows *sql.Rows) error {
		var r evaldata.Record
		var inputs, tags string
		var outputs, expectations, source sql.NullString
		if err := rows.Scan(&r.ID, &r.DatasetID, &inputs, &outputs, &expectations, &tags, &source, &r.SourceID,
			&r.SourceType, &r.CreatedTime, &r.LastUpdateTime, &r.CreatedBy, &r.LastUpdatedBy); err != nil {
			return err
		}
		r.Inputs = json.RawMessage(inputs)
		for _, f := range []struct {
			v   sql.NullString
			dst *json.RawMessage
		}{{outputs, &r.Outputs}, {expectations, &r.Expectations}, {source, &r.Source}} {
			if f.v.Valid {
				*f.dst = json.RawMessage(f.v.String)
			}
		}
		if err := json.Unmarshal([]byte(tags), &r.Tags); err != nil {
			return err
		}
		out = append(out, r)
		return nil
	})
	return out, err
}

// GetRecords returns a page of a dataset's records in creation order. Page
// tokens are MLflow's: base64 of "created_time:record_id" of the last
// record sent.
func (s *DatasetService) GetRecords(ctx context.Context, id string, maxResults int, pageToken string) (recs []evaldata.Record, next string, err error) {
	defer weir.Wrap(&err, "GetRecords(%q)", id)
	if maxResults < 0 {
		return nil, "", weir.Errorf(weir.ErrInvalidParameterValue,
			"Invalid value %d for parameter 'max_results' supplied. It must be a positive integer", maxResults)
	}
	if maxResults == 0 {
		maxResults = defaultRecordResults
	}
	tail := `WHERE dataset_id = ?`
	args := []any{id}
	if pageToken != "" {
		created, after, err := decodeRecordToken(pageToken)
		if err != nil {
			return nil, "", err
		}
		tail += ` AND (created_time > ? OR (created_time = ? AND record_id > ?))`
		args = append(args, created, created, after)
	}
	tail += ` ORDER BY created_time, record_id LIMIT ?`
	args = append(args, maxResults+1)
	err = s.db.readTx(ctx, func(tx *txn) error {
		recs, err = queryRecords(ctx, tx, tail, args...)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	if len(recs) > maxResults {
		recs = recs[:maxResults]
		last := recs[len(recs)-1]
		next = base64.StdEncoding.EncodeToString([]byte(strconv.FormatInt(last.CreatedTime, 10) + ":" + last.ID))
	}
	return recs, next, nil
}

func decodeRecordToken(token string) (int64, string, error) {
	bad := weir.Errorf(weir.ErrInvalidParameterValue, "Invalid page token '%s': pass back the next_page_token of the previous page.", token)
	raw, err := base64.StdEncoding.DecodeString(token)
	if err != nil {
		return 0, "", bad
	}
	ts, id, ok := strings.Cut(string(raw), ":")
	created, err := strconv.ParseInt(ts, 10, 64)
	if !ok || err != nil {
		return 0, "", bad
	}
	return created, id, nil
}

// DeleteRecords deletes records of a dataset and counts them; the
// dataset's profile follows, as MLflow's does.
func (s *DatasetService) DeleteRecords(ctx context.Context, id string, recordIDs []string) (n int, err error) {
	defer weir.Wrap(&err, "DeleteRecords(%q, %d ids)", id, len(recordIDs))
	if len(recordIDs) == 0 {
		return 0, nil
	}
	err = s.db.writeTx(ctx, func(tx *txn) error {
		err := forChunks(recordIDs, func(chunk []any) error {
			res, err := tx.exec(ctx, `DELETE FROM eval_dataset_records WHERE dataset_id = ? AND record_id IN (`+
				placeholders(len(chunk))+`)`, append([]any{id}, chunk...)...)
			if err != nil {
				return err
			}
			deleted, err := res.RowsAffected()
			n += int(deleted)
			return err
		})
		if err != nil || n == 0 {
			return err
		}
		var left int
		if err := tx.scanOne(ctx, `SELECT COUNT(*) FROM eval_dataset_records WHERE dataset_id = ?`, []any{id}, &left); err != nil {
			return err
		}
		// MLflow writes JSON null once the last record is gone.
		profile := "null"
		if left > 0 {
			profile = `{"num_records": ` + strconv.Itoa(left) + `}`
		}
		_, err = tx.exec(ctx, `UPDATE eval_datasets SET profile_json = ? WHERE dataset_id = ?`, profile, id)
		return err
	})
	return n, err
}

func anySlice(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
