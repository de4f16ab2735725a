package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"path"
	"strconv"
	"strings"

	weir "github.com/weir-ml/weir"
	"github.com/weir-ml/weir/registry"
	"github.com/weir-ml/weir/tracking"
)

// RegistryService is registry.Service and registry.WebhookService on a DB.
// It shares the database with the tracking service, so model version sources
// are checked against the runs and logged models they name.
type RegistryService struct {
	db *DB
}

var (
	_ registry.Service        = (*RegistryService)(nil)
	_ registry.WebhookService = (*RegistryService)(nil)
)

// NewRegistryService returns the registry service of an open db.
func NewRegistryService(db *DB) *RegistryService {
	return &RegistryService{db: db}
}

// Registry limits, as MLflow's.
const (
	defaultModelResults   = 100
	maxModelResults       = 1000
	defaultVersionResults = 200000
	maxVersionResults     = 200000
)

// promptTag marks registered models and versions that are prompts. Searches
// leave prompts out unless the filter asks for them.
const promptTag = "mlflow.prompt.is_prompt"

// validateModelName applies MLflow's rules for registered model names: not
// blank, no '/' or ':', and a normalized relative path.
func validateModelName(name, field string) error {
	if strings.TrimSpace(name) == "" {
		return weir.Errorf(weir.ErrInvalidParameterValue, "Missing value for required parameter '%s'.", field)
	}
	if strings.ContainsAny(name, "/:") {
		return weir.Errorf(weir.ErrInvalidParameterValue, "Invalid model name '%s'. Names cannot contain '/' or ':'.", name)
	}
	if norm := path.Clean(name); norm != name || norm == "." || strings.HasPrefix(norm, "..") {
		return weir.Errorf(weir.ErrInvalidParameterValue,
			"Invalid value %q for parameter '%s' supplied: Names may be treated as files in certain cases, and must not resolve to other names when treated as such. This name would resolve to '%s'",
			name, field, norm)
	}
	return nil
}

// parseVersion reads a version number as MLflow does: a base-10 integer.
func parseVersion(version string) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(version), 10, 64)
	if err != nil {
		return 0, weir.Errorf(weir.ErrInvalidParameterValue, "Parameter 'version' must be an integer, got '%s'.", version)
	}
	return n, nil
}

// canonicalStage matches a stage name case-insensitively.
func canonicalStage(stage string) (string, error) {
	for _, s := range []string{registry.StageNone, registry.StageStaging, registry.StageProduction, registry.StageArchived} {
		if strings.EqualFold(stage, s) {
			return s, nil
		}
	}
	return "", weir.Errorf(weir.ErrInvalidParameterValue,
		"Invalid Model Version stage: %s. Value must be one of None, Staging, Production, Archived.", stage)
}

func noModel(name string) error {
	return weir.Errorf(weir.ErrResourceDoesNotExist, "Registered Model with name=%s not found", name)
}

func noVersion(name string, version int64) error {
	return weir.Errorf(weir.ErrResourceDoesNotExist, "Model Version (name=%s, version=%d) not found", name, version)
}

// modelExists fails with RESOURCE_DOES_NOT_EXIST when the model is missing.
func modelExists(ctx context.Context, tx *txn, name string) error {
	var n int
	if err := tx.scanOne(ctx, `SELECT COUNT(*) FROM registered_models WHERE name = ?`, []any{name}, &n); err != nil {
		return err
	}
	if n == 0 {
		return noModel(name)
	}
	return nil
}

// versionExists fails with RESOURCE_DOES_NOT_EXIST when the version is missing.
func versionExists(ctx context.Context, tx *txn, name string, version int64) error {
	var n int
	if err := tx.scanOne(ctx, `SELECT COUNT(*) FROM model_versions WHERE name = ? AND version = ?`,
		[]any{name, version}, &n); err != nil {
		return err
	}
	if n == 0 {
		return noVersion(name, version)
	}
	return nil
}

// touchModel sets a registered model's last_updated_timestamp.
func touchModel(ctx context.Context, tx *txn, name string, now int64) error {
	_, err := tx.exec(ctx, `UPDATE registered_models SET last_updated_time = ? WHERE name = ?`, now, name)
	return err
}

// versionColumns are the model_versions columns of v in scanVersion's order.
const versionColumns = `v.name, v.version, v.creation_time, v.last_updated_time, v.user_id, v.current_stage,
	v.description, v.source, v.run_id, v.status, v.status_message, v.run_link, v.model_id`

func scanVersion(rows *sql.Rows) (*registry.ModelVersion, error) {
	var mv registry.ModelVersion
	var version int64
	err := rows.Scan(&mv.Name, &version, &mv.CreationTimestamp, &mv.LastUpdatedTimestamp, &mv.UserID,
		&mv.CurrentStage, &mv.Description, &mv.Source, &mv.RunID, &mv.Status, &mv.StatusMessage, &mv.RunLink, &mv.ModelID)
	mv.Version = strconv.FormatInt(version, 10)
	return &mv, err
}

// queryVersions returns the versions selected by the SQL tail on
// model_versions v, with their tags and aliases.
func queryVersions(ctx context.Context, tx *txn, tail string, args ...any) ([]*registry.ModelVersion, error) {
	var mvs []*registry.ModelVersion
	err := tx.each(ctx, `SELECT `+versionColumns+` FROM model_versions v `+tail, args, func(rows *sql.Rows) error {
		mv, err := scanVersion(rows)
		mvs = append(mvs, mv)
		return err
	})
	if err != nil {
		return nil, err
	}
	return mvs, loadVersionData(ctx, tx, mvs)
}

// versionKey identifies a version while loading.
type versionKey struct {
	name    string
	version string
}

// pairsPerQuery bounds the (name, version) pairs bound in one query.
const pairsPerQuery = 256

// loadVersionData fills the tags and aliases of versions with one query per
// kind and chunk of versions, selecting by (name, version) so that a page of
// a model with many versions reads only that page's rows.
func loadVersionData(ctx context.Context, tx *txn, mvs []*registry.ModelVersion) error {
	byKey := make(map[versionKey]*registry.ModelVersion, len(mvs))
	for _, mv := range mvs {
		byKey[versionKey{mv.Name, mv.Version}] = mv
	}
	for start := 0; start < len(mvs); start += pairsPerQuery {
		chunk := mvs[start:min(start+pairsPerQuery, len(mvs))]
		// Pad to a power of two by repeating the last pair, which changes
		// no IN list's meaning but leaves few query texts to prepare.
		size := 1
		for size < len(chunk) {
			size *= 2
		}
		args := make([]any, 0, 2*size)
		for i := range size {
			mv := chunk[min(i, len(chunk)-1)]
			n, err := strconv.ParseInt(mv.Version, 10, 64)
			if err != nil {
				return err
			}
			args = append(args, mv.Name, n)
		}
		// PostgreSQL types a VALUES list's parameters as text unless told.
		in := `IN (VALUES ` + strings.TrimSuffix(strings.Repeat("(?, CAST(? AS BIGINT)), ", size), ", ") + `)`
		err := tx.each(ctx, `SELECT name, version, key, value FROM model_version_tags WHERE (name, version) `+in+
			` ORDER BY name, version, key`, args, func(rows *sql.Rows) error {
			var k versionKey
			var t registry.Tag
			if err := rows.Scan(&k.name, &k.version, &t.Key, &t.Value); err != nil {
				return err
			}
			if mv := byKey[k]; mv != nil {
				mv.Tags = append(mv.Tags, t)
			}
			return nil
		})
		if err != nil {
			return err
		}
		err = tx.each(ctx, `SELECT name, version, alias FROM registered_model_aliases WHERE (name, version) `+in+
			` ORDER BY name, alias`, args, func(rows *sql.Rows) error {
			var k versionKey
			var alias string
			if err := rows.Scan(&k.name, &k.version, &alias); err != nil {
				return err
			}
			if mv := byKey[k]; mv != nil {
				mv.Aliases = append(mv.Aliases, alias)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// getVersion returns one version with its tags and aliases.
func getVersion(ctx context.Context, tx *txn, name string, version int64) (*registry.ModelVersion, error) {
	mvs, err := queryVersions(ctx, tx, `WHERE v.name = ? AND v.version = ?`, name, version)
	if err != nil {
		return nil, err
	}
	if len(mvs) == 0 {
		return nil, noVersion(name, version)
	}
	return mvs[0], nil
}

// isNoRows reports whether err means a query found nothing.
func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// validateTags checks registry tags.
func validateTags(tags []registry.Tag) error {
	for _, t := range tags {
		if err := tracking.ValidateRegistryTag(t); err != nil {
			return err
		}
	}
	return nil
}
