package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"

	weir "github.com/weir-ml/weir"
	"github.com/weir-ml/weir/tracing"
)

var _ tracing.AssessmentService = (*TraceService)(nil)

func noAssessment(traceID, id string) error {
	return weir.Errorf(weir.ErrResourceDoesNotExist, "Assessment with ID '%s' not found for trace '%s'.", id, traceID)
}

// newAssessmentID returns "a-" and 32 random hex digits, as MLflow names
// assessments.
func newAssessmentID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return "a-" + hex.EncodeToString(b[:]), nil
}

// checkAssessment applies MLflow's rules to a new or updated assessment.
func checkAssessment(a *tracing.Assessment) error {
	switch {
	case a.Name == "":
		return weir.Errorf(weir.ErrInvalidParameterValue, "Missing value for required parameter 'assessment.assessment_name'.")
	case len(a.Feedback) > 0 && len(a.Expectation) > 0:
		return weir.Errorf(weir.ErrInvalidParameterValue, "An assessment is either feedback or an expectation, not both.")
	case len(a.Feedback) == 0 && len(a.Expectation) == 0:
		return weir.Errorf(weir.ErrInvalidParameterValue, "An assessment needs a 'feedback' or an 'expectation' value.")
	}
	return nil
}

// CreateAssessment stores a new assessment of an existing trace. One that
// overrides another makes the other invalid, as MLflow's override does.
func (s *TraceService) CreateAssessment(ctx context.Context, a tracing.Assessment) (out *tracing.Assessment, err error) {
	defer weir.Wrap(&err, "CreateAssessment(%q)", a.TraceID)
	if err := checkAssessment(&a); err != nil {
		return nil, err
	}
	if a.ID, err = newAssessmentID(); err != nil {
		return nil, err
	}
	now := s.db.nowMillis()
	if a.CreateTime == 0 {
		a.CreateTime = now
	}
	if a.LastUpdateTime == 0 {
		a.LastUpdateTime = a.CreateTime
	}
	if a.SourceType == "" {
		a.SourceType, a.SourceID = "HUMAN", "default"
	}
	if len(a.Feedback) > 0 && a.Valid == nil {
		valid := true
		a.Valid = &valid
	}
	err = s.db.writeTx(ctx, func(tx *txn) error {
		if err := traceExists(ctx, tx, a.TraceID); err != nil {
			return err
		}
		if a.Overrides != "" {
			old, err := getAssessment(ctx, tx, a.TraceID, a.Overrides)
			if err != nil {
				return err
			}
			invalid := false
			old.Valid = &invalid
			if err := saveAssessment(ctx, tx, old, false); err != nil {
				return err
			}
		}
		out = &a
		return saveAssessment(ctx, tx, &a, true)
	})
	return out, err
}

// saveAssessment inserts (create) or rewrites an assessment's row.
func saveAssessment(ctx context.Context, tx *txn, a *tracing.Assessment, create bool) error {
	content, err := json.Marshal(a)
	if err != nil {
		return err
	}
	if create {
		if _, err := tx.exec(ctx, `INSERT INTO trace_assessments (assessment_id, trace_id, create_time_ms, overrides, content)
			VALUES (?, ?, ?, ?, ?)`, a.ID, a.TraceID, a.CreateTime, a.Overrides, string(content)); err != nil {
			return err
		}
		return countAssessments(ctx, tx, a.TraceID)
	}
	_, err = tx.exec(ctx, `UPDATE trace_assessments SET content = ? WHERE assessment_id = ?`, string(content), a.ID)
	return err
}

// countAssessments brings traces.assessments, the count that tells a page
// of traces which ones to look assessments up for, up to date.
func countAssessments(ctx context.Context, tx *txn, traceID string) error {
	_, err := tx.exec(ctx, `UPDATE traces SET assessments = (SELECT COUNT(*) FROM trace_assessments a WHERE a.trace_id = ?)
		WHERE trace_id = ?`, traceID, traceID)
	return err
}

func getAssessment(ctx context.Context, tx *txn, traceID, id string) (*tracing.Assessment, error) {
	var content string
	err := tx.scanOne(ctx, `SELECT content FROM trace_assessments WHERE trace_id = ? AND assessment_id = ?`, []any{traceID, id}, &content)
	if isNoRows(err) {
		return nil, noAssessment(traceID, id)
	}
	if err != nil {
		return nil, err
	}
	return decodeAssessment(content)
}

// decodeAssessment reads a stored assessment. JSON's null comes back as
// the bytes "null" in a RawMessage: those become absent again.
func decodeAssessment(content string) (*tracing.Assessment, error) {
	var a tracing.Assessment
	if err := json.Unmarshal([]byte(content), &a); err != nil {
		return nil, err
	}
	for _, raw := range []*json.RawMessage{&a.Feedback, &a.Expectation, &a.Error} {
		if string(*raw) == "null" {
			*raw = nil
		}
	}
	return &a, nil
}

// GetAssessment returns one assessment of a trace.
func (s *TraceService) GetAssessment(ctx context.Context, traceID, id string) (a *tracing.Assessment, err error) {
	defer weir.Wrap(&err, "GetAssessment(%q, %q)", traceID, id)
	err = s.db.readTx(ctx, func(tx *txn) error {
		a, err = getAssessment(ctx, tx, traceID, id)
		return err
	})
	return a, err
}

// UpdateAssessment changes the fields mask names; an empty mask means every
// field u sets. The id, trace, source and creation time never change.
func (s *TraceService) UpdateAssessment(ctx context.Context, u tracing.Assessment, mask []string) (out *tracing.Assessment, err error) {
	defer weir.Wrap(&err, "UpdateAssessment(%q, %q)", u.TraceID, u.ID)
	err = s.db.writeTx(ctx, func(tx *txn) error {
		a, err := getAssessment(ctx, tx, u.TraceID, u.ID)
		if err != nil {
			return err
		}
		if len(mask) == 0 {
			mask = setFields(&u)
		}
		for _, f := range mask {
			switch f {
			case tracing.MaskName:
				a.Name = u.Name
			case tracing.MaskFeedback:
				if len(a.Expectation) > 0 {
					return weir.Errorf(weir.ErrInvalidParameterValue, "Assessment '%s' is an expectation: its feedback cannot be set.", a.ID)
				}
				a.Feedback = u.Feedback
			case tracing.MaskExpectation:
				if len(a.Feedback) > 0 {
					return weir.Errorf(weir.ErrInvalidParameterValue, "Assessment '%s' is feedback: its expectation cannot be set.", a.ID)
				}
				a.Expectation = u.Expectation
			case tracing.MaskRationale:
				a.Rationale = u.Rationale
			case tracing.MaskMetadata:
				a.Metadata = u.Metadata
			default:
				return weir.Errorf(weir.ErrInvalidParameterValue, "Field '%s' of an assessment cannot be updated.", f)
			}
		}
		if err := checkAssessment(a); err != nil {
			return err
		}
		a.LastUpdateTime = s.db.nowMillis()
		out = a
		return saveAssessment(ctx, tx, a, false)
	})
	return out, err
}

// setFields names the fields an update sets.
func setFields(u *tracing.Assessment) []string {
	var mask []string
	if u.Name != "" {
		mask = append(mask, tracing.MaskName)
	}
	if len(u.Feedback) > 0 {
		mask = append(mask, tracing.MaskFeedback)
	}
	if len(u.Expectation) > 0 {
		mask = append(mask, tracing.MaskExpectation)
	}
	if u.Rationale != "" {
		mask = append(mask, tracing.MaskRationale)
	}
	if u.Metadata != nil {
		mask = append(mask, tracing.MaskMetadata)
	}
	return mask
}

// DeleteAssessment deletes an assessment; the one it overrode, if any,
// becomes valid again.
func (s *TraceService) DeleteAssessment(ctx context.Context, traceID, id string) (err error) {
	defer weir.Wrap(&err, "DeleteAssessment(%q, %q)", traceID, id)
	return s.db.writeTx(ctx, func(tx *txn) error {
		a, err := getAssessment(ctx, tx, traceID, id)
		if err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `DELETE FROM trace_assessments WHERE assessment_id = ?`, id); err != nil {
			return err
		}
		if err := countAssessments(ctx, tx, traceID); err != nil {
			return err
		}
		if a.Overrides == "" {
			return nil
		}
		old, err := getAssessment(ctx, tx, traceID, a.Overrides)
		if err != nil {
			if weir.ErrorCode(err) == weir.ErrResourceDoesNotExist {
				return nil // the overridden one was deleted first
			}
			return err
		}
		valid := true
		old.Valid = &valid
		return saveAssessment(ctx, tx, old, false)
	})
}

// loadAssessments attaches their assessments to infos, oldest first.
func loadAssessments(ctx context.Context, tx *txn, infos []*tracing.Info, ids []any) error {
	byID := map[string]*tracing.Info{}
	for _, in := range infos {
		byID[in.TraceID] = in
	}
	return tx.each(ctx, `SELECT trace_id, content FROM trace_assessments WHERE trace_id IN (`+placeholders(len(ids))+`)
		ORDER BY trace_id, create_time_ms, assessment_id`, ids, func(rows *sql.Rows) error {
		var id, content string
		if err := rows.Scan(&id, &content); err != nil {
			return err
		}
		a, err := decodeAssessment(content)
		if err != nil {
			return err
		}
		byID[id].Assessments = append(byID[id].Assessments, *a)
		return nil
	})
}
