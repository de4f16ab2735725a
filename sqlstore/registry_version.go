package sqlstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	weir "github.com/weir-ml/weir"
	"github.com/weir-ml/weir/registry"
	"github.com/weir-ml/weir/tracking"
	"github.com/weir-ml/weir/webhook"
)

// modelVersionsTag is the logged-model tag that lists the registry versions
// made from the model, as MLflow's server writes it.
const modelVersionsTag = "mlflow.modelVersions"

// CreateModelVersion registers the next version of a model. The source is
// checked against the run or logged model it claims to come from (see
// checkSource) and resolved to where the files are for download URIs.
func (s *RegistryService) CreateModelVersion(ctx context.Context, c registry.VersionCreate) (mv *registry.ModelVersion, err error) {
	defer weir.Wrap(&err, "CreateModelVersion(%q)", c.Name)
	if err := validateModelName(c.Name, "name"); err != nil {
		return nil, err
	}
	if c.Source == "" {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "Missing value for required parameter 'source'.")
	}
	if err := validateTags(c.Tags); err != nil {
		return nil, err
	}
	// A version is a row write on PostgreSQL: the UPDATE that claims its
	// number locks the registered model's row, which is all that versions
	// of one model need to come one after another, and what a rename or a
	// delete of the model waits for (versions follow the model by foreign
	// key). Only a version made from a logged model takes the writer lock,
	// since it rewrites the model's mlflow.modelVersions tag, which other
	// writers change under that lock: the row write gives way to it.
	now := s.db.nowMillis()
	tags := storedVersionTags(c.Tags)
	if v, err := createVersionOneStatement(ctx, s.db, now, c, tags); !errors.Is(err, errGeneralPath) {
		if err != nil {
			return nil, err
		}
		return newVersion(c, v, now, versionSource{location: c.Source, runID: c.RunID}, tags), nil
	}
	mv, err = s.createVersion(ctx, c, s.db.rowWriteTx)
	if errors.Is(err, errNeedsWriterLock) {
		mv, err = s.createVersion(ctx, c, s.db.writeTx)
	}
	if err != nil {
		return nil, err
	}
	return mv, nil
}

// errNeedsWriterLock rolls back a row write that turns out to need the
// writer lock, to be run again under it.
var errNeedsWriterLock = errors.New("sqlstore: this write needs the writer lock")

// createVersion is CreateModelVersion in a transaction of inTx's kind.
func (s *RegistryService) createVersion(ctx context.Context, c registry.VersionCreate, inTx func(context.Context, func(*txn) error) error) (mv *registry.ModelVersion, err error) {
	// The model's row (and, for a logged model's version, the writer lock)
	// is held for as few round trips as can be: the version number comes
	// from the UPDATE that claims it, and the new version is built from what
	// is inserted instead of read back.
	err = inTx(ctx, func(tx *txn) error {
		var version int64
		now := s.db.nowMillis()
		err := tx.scanOne(ctx, `UPDATE registered_models SET last_version = last_version + 1, last_updated_time = ?
			WHERE name = ? RETURNING last_version`, []any{now, c.Name}, &version)
		if isNoRows(err) {
			return noModel(c.Name)
		}
		if err != nil {
			return err
		}
		src, err := resolveSource(ctx, tx, c)
		if err != nil {
			return err
		}
		if src.modelID != "" && tx.rowLocks {
			return errNeedsWriterLock
		}
		if _, err := tx.exec(ctx, `INSERT INTO model_versions
			(name, version, creation_time, last_updated_time, description, current_stage, source, storage_location,
			 run_id, run_link, status, model_id)
			VALUES (?, ?, ?, ?, ?, 'None', ?, ?, ?, ?, 'READY', ?)`,
			c.Name, version, now, now, c.Description, c.Source, src.location, src.runID, c.RunLink, src.modelID); err != nil {
			return err
		}
		if err := putVersionTags(ctx, tx, c.Name, version, c.Tags); err != nil {
			return err
		}
		if src.modelID != "" {
			if err := addRegistration(ctx, tx, src.modelID, c.Name, version); err != nil {
				return err
			}
		}
		if err := raiseVersionCreated(ctx, tx, now, c, strconv.FormatInt(version, 10)); err != nil {
			return err
		}
		mv = newVersion(c, version, now, src, storedVersionTags(c.Tags))
		return nil
	})
	return mv, err
}

// newVersion is a version as CreateModelVersion inserts it, from a source
// resolved to src, with its tags as stored.
func newVersion(c registry.VersionCreate, version, now int64, src versionSource, tags []registry.Tag) *registry.ModelVersion {
	return &registry.ModelVersion{Name: c.Name, Version: strconv.FormatInt(version, 10), CreationTimestamp: now,
		LastUpdatedTimestamp: now, CurrentStage: "None", Description: c.Description, Source: c.Source,
		RunID: src.runID, Status: "READY", Tags: tags, RunLink: c.RunLink, ModelID: src.modelID}
}

// storedVersionTags returns version tags as putVersionTags stores them and
// a version reads them back: the last value of each key, in key order, nil
// for none.
func storedVersionTags(tags []registry.Tag) []registry.Tag {
	if len(tags) == 0 {
		return nil
	}
	last := make(map[string]string, len(tags))
	for _, t := range tags {
		last[t.Key] = t.Value
	}
	out := make([]registry.Tag, 0, len(last))
	for k, v := range last {
		out = append(out, registry.Tag{Key: k, Value: v})
	}
	slices.SortFunc(out, func(a, b registry.Tag) int { return strings.Compare(a.Key, b.Key) })
	return out
}

// addRegistration appends {"name", "version"} to the logged model's
// mlflow.modelVersions tag, the JSON list the MLflow UI reads, unless the
// version is listed already: MLflow's clients may write the tag too, with the
// version as a number, as MLflow's server does.
func addRegistration(ctx context.Context, tx *txn, modelID, name string, version int64) error {
	var regs []map[string]any
	var old string
	err := tx.scanOne(ctx, `SELECT value FROM logged_model_tags WHERE model_id = ? AND key = ?`,
		[]any{modelID, modelVersionsTag}, &old)
	switch {
	case isNoRows(err):
	case err != nil:
		return err
	default:
		if json.Unmarshal([]byte(old), &regs) != nil {
			regs = nil // not a list of objects: replaced by a well-formed one
		}
	}
	v := strconv.FormatInt(version, 10)
	for _, r := range regs {
		if r["name"] == name && fmt.Sprint(r["version"]) == v {
			return nil
		}
	}
	regs = append(regs, map[string]any{"name": name, "version": version})
	_, err = tx.exec(ctx, `INSERT INTO logged_model_tags (model_id, key, value) VALUES (?, ?, ?)
		ON CONFLICT (model_id, key) DO UPDATE SET value = excluded.value`, modelID, modelVersionsTag, pyRegistrations(regs))
	return err
}

// pyRegistrations writes the mlflow.modelVersions list byte for byte as
// MLflow's server does with Python's json.dumps: ", " and ": " separators,
// name before version, non-ASCII escaped.
func pyRegistrations(regs []map[string]any) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, r := range regs {
		if i > 0 {
			b.WriteString(", ")
		}
		name, _ := r["name"].(string)
		b.WriteString(`{"name": ` + tracking.PyJSONString(name) + `, "version": `)
		switch v := r["version"].(type) {
		case string:
			b.WriteString(tracking.PyJSONString(v))
		case float64:
			b.WriteString(strconv.FormatFloat(v, 'f', -1, 64))
		case int64:
			b.WriteString(strconv.FormatInt(v, 10))
		default:
			b.WriteString(tracking.PyJSONString(fmt.Sprint(v)))
		}
		b.WriteByte('}')
	}
	b.WriteByte(']')
	return b.String()
}

// putVersionTags inserts or overwrites model version tags.
func putVersionTags(ctx context.Context, tx *txn, name string, version int64, tags []registry.Tag) error {
	for _, t := range tags {
		if _, err := tx.exec(ctx, `INSERT INTO model_version_tags (name, version, key, value) VALUES (?, ?, ?, ?)
			ON CONFLICT (name, version, key) DO UPDATE SET value = excluded.value`, name, version, t.Key, t.Value); err != nil {
			return err
		}
	}
	return nil
}

// checkVersionArgs validates a (name, version) pair and returns the number.
func checkVersionArgs(name, version string) (int64, error) {
	if err := validateModelName(name, "name"); err != nil {
		return 0, err
	}
	return parseVersion(version)
}

// GetModelVersion returns one version with its tags and aliases.
func (s *RegistryService) GetModelVersion(ctx context.Context, name, version string) (mv *registry.ModelVersion, err error) {
	defer weir.Wrap(&err, "GetModelVersion(%q, %q)", name, version)
	n, err := checkVersionArgs(name, version)
	if err != nil {
		return nil, err
	}
	err = s.db.readTx(ctx, func(tx *txn) error {
		mv, err = getVersion(ctx, tx, name, n)
		return err
	})
	return mv, err
}

// UpdateModelVersion sets a version's description.
func (s *RegistryService) UpdateModelVersion(ctx context.Context, name, version, description string) (mv *registry.ModelVersion, err error) {
	defer weir.Wrap(&err, "UpdateModelVersion(%q, %q)", name, version)
	n, err := checkVersionArgs(name, version)
	if err != nil {
		return nil, err
	}
	db := s.db
	err = db.writeTx(ctx, func(tx *txn) error {
		res, err := tx.exec(ctx, `UPDATE model_versions SET description = ?, last_updated_time = ? WHERE name = ? AND version = ?`,
			description, db.nowMillis(), name, n)
		if err != nil {
			return err
		}
		if err := mustAffect(res, noVersion(name, n)); err != nil {
			return err
		}
		mv, err = getVersion(ctx, tx, name, n)
		return err
	})
	return mv, err
}

// DeleteModelVersion deletes a version with its tags and aliases. Its number
// is not given again.
func (s *RegistryService) DeleteModelVersion(ctx context.Context, name, version string) (err error) {
	defer weir.Wrap(&err, "DeleteModelVersion(%q, %q)", name, version)
	n, err := checkVersionArgs(name, version)
	if err != nil {
		return err
	}
	db := s.db
	return db.writeTx(ctx, func(tx *txn) error {
		res, err := tx.exec(ctx, `DELETE FROM model_versions WHERE name = ? AND version = ?`, name, n)
		if err != nil {
			return err
		}
		if err := mustAffect(res, noVersion(name, n)); err != nil {
			return err
		}
		return touchModel(ctx, tx, name, db.nowMillis())
	})
}

// GetModelVersionDownloadURI returns where a version's files are: its source
// with runs:/ and models:/ URIs resolved when the version was created.
func (s *RegistryService) GetModelVersionDownloadURI(ctx context.Context, name, version string) (uri string, err error) {
	defer weir.Wrap(&err, "GetModelVersionDownloadURI(%q, %q)", name, version)
	n, err := checkVersionArgs(name, version)
	if err != nil {
		return "", err
	}
	err = s.db.readTx(ctx, func(tx *txn) error {
		return versionLocation(ctx, tx, name, n, &uri)
	})
	return uri, err
}

// versionLocation reads a version's storage location, or its source.
func versionLocation(ctx context.Context, tx *txn, name string, version int64, uri *string) error {
	err := tx.scanOne(ctx, `SELECT CASE WHEN storage_location <> '' THEN storage_location ELSE source END
		FROM model_versions WHERE name = ? AND version = ?`, []any{name, version}, uri)
	if isNoRows(err) {
		return noVersion(name, version)
	}
	return err
}

// TransitionModelVersionStage moves a version to a stage; with
// archiveExisting, the other versions in Staging or Production (the target
// stage) move to Archived.
func (s *RegistryService) TransitionModelVersionStage(ctx context.Context, name, version, stage string, archiveExisting bool) (mv *registry.ModelVersion, err error) {
	defer weir.Wrap(&err, "TransitionModelVersionStage(%q, %q, %q)", name, version, stage)
	n, err := checkVersionArgs(name, version)
	if err != nil {
		return nil, err
	}
	canon, err := canonicalStage(stage)
	if err != nil {
		return nil, err
	}
	if archiveExisting && canon != registry.StageStaging && canon != registry.StageProduction {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue,
			"Model version transition cannot archive existing model versions because '%s' is not an Active stage. Valid stages are ['Staging', 'Production']",
			stage)
	}
	db := s.db
	err = db.writeTx(ctx, func(tx *txn) error {
		if err := versionExists(ctx, tx, name, n); err != nil {
			return err
		}
		now := db.nowMillis()
		if archiveExisting {
			if _, err := tx.exec(ctx, `UPDATE model_versions SET current_stage = 'Archived', last_updated_time = ?
				WHERE name = ? AND version <> ? AND current_stage = ?`, now, name, n, canon); err != nil {
				return err
			}
		}
		if _, err := tx.exec(ctx, `UPDATE model_versions SET current_stage = ?, last_updated_time = ? WHERE name = ? AND version = ?`,
			canon, now, name, n); err != nil {
			return err
		}
		if err := touchModel(ctx, tx, name, now); err != nil {
			return err
		}
		mv, err = getVersion(ctx, tx, name, n)
		return err
	})
	return mv, err
}

// SetModelVersionTag sets or overwrites a tag of a version.
func (s *RegistryService) SetModelVersionTag(ctx context.Context, name, version string, t registry.Tag) (err error) {
	defer weir.Wrap(&err, "SetModelVersionTag(%q, %q, %q)", name, version, t.Key)
	n, err := checkVersionArgs(name, version)
	if err != nil {
		return err
	}
	if err := validateTags([]registry.Tag{t}); err != nil {
		return err
	}
	db := s.db
	return db.writeTx(ctx, func(tx *txn) error {
		if err := versionExists(ctx, tx, name, n); err != nil {
			return err
		}
		if err := putVersionTags(ctx, tx, name, n, []registry.Tag{t}); err != nil {
			return err
		}
		data := webhook.VersionTagSetData{Name: name, Version: version, Key: t.Key, Value: t.Value}
		return raiseAbout(ctx, tx, db.nowMillis(), name, webhook.VersionTagSet, webhook.PromptVersionTagSet, data)
	})
}

// DeleteModelVersionTag deletes a tag of a version; a missing tag is not an
// error, as in MLflow.
func (s *RegistryService) DeleteModelVersionTag(ctx context.Context, name, version, key string) (err error) {
	defer weir.Wrap(&err, "DeleteModelVersionTag(%q, %q, %q)", name, version, key)
	n, err := checkVersionArgs(name, version)
	if err != nil {
		return err
	}
	if err := tracking.ValidateRegistryTag(registry.Tag{Key: key}); err != nil {
		return err
	}
	db := s.db
	return db.writeTx(ctx, func(tx *txn) error {
		if err := versionExists(ctx, tx, name, n); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `DELETE FROM model_version_tags WHERE name = ? AND version = ? AND key = ?`, name, n, key); err != nil {
			return err
		}
		data := webhook.VersionTagDeletedData{Name: name, Version: version, Key: key}
		return raiseAbout(ctx, tx, db.nowMillis(), name, webhook.VersionTagDeleted, webhook.PromptVersionTagDeleted, data)
	})
}

// SetRegisteredModelAlias points alias at a version, moving it if it
// pointed elsewhere. Like tags, aliases leave the model's
// last_updated_timestamp alone, as in MLflow.
func (s *RegistryService) SetRegisteredModelAlias(ctx context.Context, name, alias, version string) (err error) {
	defer weir.Wrap(&err, "SetRegisteredModelAlias(%q, %q, %q)", name, alias, version)
	if err := validateModelName(name, "name"); err != nil {
		return err
	}
	if err := tracking.ValidateModelAlias(alias); err != nil {
		return err
	}
	n, err := parseVersion(version)
	if err != nil {
		return err
	}
	db := s.db
	return db.writeTx(ctx, func(tx *txn) error {
		if err := versionExists(ctx, tx, name, n); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `INSERT INTO registered_model_aliases (name, alias, version) VALUES (?, ?, ?)
			ON CONFLICT (name, alias) DO UPDATE SET version = excluded.version`, name, alias, n); err != nil {
			return err
		}
		data := webhook.AliasCreatedData{Name: name, Alias: alias, Version: version}
		return raiseAbout(ctx, tx, db.nowMillis(), name, webhook.AliasCreated, webhook.PromptAliasCreated, data)
	})
}

// DeleteRegisteredModelAlias deletes an alias; a missing alias is not an
// error, as in MLflow.
func (s *RegistryService) DeleteRegisteredModelAlias(ctx context.Context, name, alias string) (err error) {
	defer weir.Wrap(&err, "DeleteRegisteredModelAlias(%q, %q)", name, alias)
	if err := validateModelName(name, "name"); err != nil {
		return err
	}
	if err := validateAliasName(alias); err != nil {
		return err
	}
	db := s.db
	return db.writeTx(ctx, func(tx *txn) error {
		if err := modelExists(ctx, tx, name); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `DELETE FROM registered_model_aliases WHERE name = ? AND alias = ?`, name, alias); err != nil {
			return err
		}
		data := webhook.AliasDeletedData{Name: name, Alias: alias}
		return raiseAbout(ctx, tx, db.nowMillis(), name, webhook.AliasDeleted, webhook.PromptAliasDeleted, data)
	})
}

// validateAliasName checks an alias's characters and length but accepts the
// names ValidateModelAlias reserves ("latest", v3): they may be read, and
// deleting one deletes nothing.
func validateAliasName(alias string) error {
	if err := tracking.ValidateModelAlias(alias); err != nil && !isReservedAlias(alias) {
		return err
	}
	return nil
}

// isReservedAlias reports whether alias is "latest" in any case, or a
// version name matching ^[vV][0-9]+$.
func isReservedAlias(alias string) bool {
	if strings.EqualFold(alias, "latest") {
		return true
	}
	if len(alias) < 2 || alias[0] != 'v' && alias[0] != 'V' {
		return false
	}
	for _, c := range alias[1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// GetModelVersionByAlias returns the version an alias points at. "latest"
// (any case) is the highest version number.
func (s *RegistryService) GetModelVersionByAlias(ctx context.Context, name, alias string) (mv *registry.ModelVersion, err error) {
	defer weir.Wrap(&err, "GetModelVersionByAlias(%q, %q)", name, alias)
	if err := validateModelName(name, "name"); err != nil {
		return nil, err
	}
	if err := validateAliasName(alias); err != nil {
		return nil, err
	}
	err = s.db.readTx(ctx, func(tx *txn) error {
		if err := modelExists(ctx, tx, name); err != nil {
			return err
		}
		var n int64
		var err error
		if strings.EqualFold(alias, "latest") {
			err = tx.scanOne(ctx, `SELECT MAX(version) FROM model_versions WHERE name = ? HAVING COUNT(*) > 0`, []any{name}, &n)
			if isNoRows(err) {
				return weir.Errorf(weir.ErrResourceDoesNotExist, "Latest version not found for model %s.", name)
			}
		} else {
			err = tx.scanOne(ctx, `SELECT version FROM registered_model_aliases WHERE name = ? AND alias = ?`, []any{name, alias}, &n)
			if isNoRows(err) {
				return weir.Errorf(weir.ErrInvalidParameterValue, "Registered model alias %s not found.", alias)
			}
		}
		if err != nil {
			return err
		}
		mv, err = getVersion(ctx, tx, name, n)
		return err
	})
	return mv, err
}
