package sqlstore

import (
	"context"
	"database/sql"
	"strconv"

	weir "github.com/weir-ml/weir"
	"github.com/weir-ml/weir/registry"
	"github.com/weir-ml/weir/webhook"
)

// CreateRegisteredModel creates a model with no versions. Names are unique.
func (s *RegistryService) CreateRegisteredModel(ctx context.Context, name, description string, tags []registry.Tag) (m *registry.RegisteredModel, err error) {
	defer weir.Wrap(&err, "CreateRegisteredModel(%q)", name)
	if err := validateModelName(name, "name"); err != nil {
		return nil, err
	}
	if err := validateTags(tags); err != nil {
		return nil, err
	}
	db := s.db
	err = db.writeTx(ctx, func(tx *txn) error {
		var n int
		if err := tx.scanOne(ctx, `SELECT COUNT(*) FROM registered_models WHERE name = ?`, []any{name}, &n); err != nil {
			return err
		}
		if n > 0 {
			return weir.Errorf(weir.ErrResourceAlreadyExists, "Registered Model (name=%s) already exists.", name)
		}
		now := db.nowMillis()
		if _, err := tx.exec(ctx, `INSERT INTO registered_models (name, creation_time, last_updated_time, description)
			VALUES (?, ?, ?, ?)`, name, now, now, description); err != nil {
			return err
		}
		if err := putModelTags(ctx, tx, name, tags); err != nil {
			return err
		}
		if err := raiseModelCreated(ctx, tx, now, name, description, tags); err != nil {
			return err
		}
		m, err = getModel(ctx, tx, name)
		return err
	})
	return m, err
}

// putModelTags inserts or overwrites registered model tags.
func putModelTags(ctx context.Context, tx *txn, name string, tags []registry.Tag) error {
	for _, t := range tags {
		if _, err := tx.exec(ctx, `INSERT INTO registered_model_tags (name, key, value) VALUES (?, ?, ?)
			ON CONFLICT (name, key) DO UPDATE SET value = excluded.value`, name, t.Key, t.Value); err != nil {
			return err
		}
	}
	return nil
}

// GetRegisteredModel returns a model with its tags, aliases and the latest
// version of each stage.
func (s *RegistryService) GetRegisteredModel(ctx context.Context, name string) (m *registry.RegisteredModel, err error) {
	defer weir.Wrap(&err, "GetRegisteredModel(%q)", name)
	if err := validateModelName(name, "name"); err != nil {
		return nil, err
	}
	err = s.db.readTx(ctx, func(tx *txn) error {
		m, err = getModel(ctx, tx, name)
		return err
	})
	return m, err
}

// getModel loads one registered model or fails with RESOURCE_DOES_NOT_EXIST.
func getModel(ctx context.Context, tx *txn, name string) (*registry.RegisteredModel, error) {
	ms, err := loadModels(ctx, tx, []string{name})
	if err != nil {
		return nil, err
	}
	if len(ms) == 0 {
		return nil, noModel(name)
	}
	return ms[0], nil
}

// loadModels returns the models with the given names that exist, in the
// order of names, with their tags, aliases and latest versions.
func loadModels(ctx context.Context, tx *txn, names []string) ([]*registry.RegisteredModel, error) {
	byName := make(map[string]*registry.RegisteredModel, len(names))
	err := forChunks(names, func(chunk []any) error {
		in := `IN (` + placeholders(len(chunk)) + `)`
		err := tx.each(ctx, `SELECT name, creation_time, last_updated_time, user_id, description
			FROM registered_models WHERE name `+in, chunk, func(rows *sql.Rows) error {
			var m registry.RegisteredModel
			if err := rows.Scan(&m.Name, &m.CreationTimestamp, &m.LastUpdatedTimestamp, &m.UserID, &m.Description); err != nil {
				return err
			}
			byName[m.Name] = &m
			return nil
		})
		if err != nil {
			return err
		}
		err = tx.each(ctx, `SELECT name, key, value FROM registered_model_tags WHERE name `+in+` ORDER BY name, key`,
			chunk, func(rows *sql.Rows) error {
				var name string
				var t registry.Tag
				if err := rows.Scan(&name, &t.Key, &t.Value); err != nil {
					return err
				}
				if m := byName[name]; m != nil {
					m.Tags = append(m.Tags, t)
				}
				return nil
			})
		if err != nil {
			return err
		}
		err = tx.each(ctx, `SELECT name, alias, version FROM registered_model_aliases WHERE name `+in+` ORDER BY name, alias`,
			chunk, func(rows *sql.Rows) error {
				var name string
				var a registry.Alias
				var v int64
				if err := rows.Scan(&name, &a.Alias, &v); err != nil {
					return err
				}
				a.Version = strconv.FormatInt(v, 10)
				if m := byName[name]; m != nil {
					m.Aliases = append(m.Aliases, a)
				}
				return nil
			})
		if err != nil {
			return err
		}
		// Each (model, stage) pair costs one seek in model_versions_stage,
		// however many versions the model has, then one primary-key seek.
		// The latest numbers are computed in a subquery that the empty
		// LIMIT/OFFSET keeps whole: PostgreSQL would otherwise flatten it
		// and, without fresh statistics, test every version of the model
		// against the four maxima.
		latest, err := queryVersions(ctx, tx, `JOIN (SELECT n.name, (SELECT MAX(w.version) FROM model_versions w
				WHERE w.name = n.name AND w.current_stage = s.stage) AS version
			FROM registered_models n CROSS JOIN (SELECT 'None' AS stage UNION ALL SELECT 'Staging'
				UNION ALL SELECT 'Production' UNION ALL SELECT 'Archived') s
			WHERE n.name `+in+` `+tx.d.noLimit()+` OFFSET 0) l
			ON v.name = l.name AND v.version = l.version
			ORDER BY v.name, v.version`, chunk...)
		for _, mv := range latest {
			if m := byName[mv.Name]; m != nil {
				m.LatestVersions = append(m.LatestVersions, *mv)
			}
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	ms := make([]*registry.RegisteredModel, 0, len(byName))
	for _, name := range names {
		if m := byName[name]; m != nil {
			ms = append(ms, m)
			delete(byName, name) // a name given twice is returned once
		}
	}
	return ms, nil
}

// RenameRegisteredModel renames a model; its versions, tags and aliases
// follow through ON UPDATE CASCADE.
func (s *RegistryService) RenameRegisteredModel(ctx context.Context, name, newName string) (m *registry.RegisteredModel, err error) {
	defer weir.Wrap(&err, "RenameRegisteredModel(%q, %q)", name, newName)
	if err := validateModelName(name, "name"); err != nil {
		return nil, err
	}
	if err := validateModelName(newName, "new_name"); err != nil {
		return nil, err
	}
	db := s.db
	err = db.writeTx(ctx, func(tx *txn) error {
		if err := modelExists(ctx, tx, name); err != nil {
			return err
		}
		if newName != name {
			var n int
			if err := tx.scanOne(ctx, `SELECT COUNT(*) FROM registered_models WHERE name = ?`, []any{newName}, &n); err != nil {
				return err
			}
			if n > 0 {
				return weir.Errorf(weir.ErrResourceAlreadyExists, "Registered Model (name=%s) already exists.", newName)
			}
		}
		now := db.nowMillis()
		if _, err := tx.exec(ctx, `UPDATE registered_models SET name = ?, last_updated_time = ? WHERE name = ?`,
			newName, now, name); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `UPDATE model_versions SET last_updated_time = ? WHERE name = ?`, now, newName); err != nil {
			return err
		}
		m, err = getModel(ctx, tx, newName)
		return err
	})
	return m, err
}

// UpdateRegisteredModel sets a model's description.
func (s *RegistryService) UpdateRegisteredModel(ctx context.Context, name, description string) (m *registry.RegisteredModel, err error) {
	defer weir.Wrap(&err, "UpdateRegisteredModel(%q)", name)
	if err := validateModelName(name, "name"); err != nil {
		return nil, err
	}
	db := s.db
	err = db.writeTx(ctx, func(tx *txn) error {
		res, err := tx.exec(ctx, `UPDATE registered_models SET description = ?, last_updated_time = ? WHERE name = ?`,
			description, db.nowMillis(), name)
		if err != nil {
			return err
		}
		if err := mustAffect(res, noModel(name)); err != nil {
			return err
		}
		m, err = getModel(ctx, tx, name)
		return err
	})
	return m, err
}

// mustAffect returns notFound when res changed no row.
func mustAffect(res sql.Result, notFound error) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return notFound
	}
	return nil
}

// DeleteRegisteredModel deletes a model with its versions, tags and aliases.
func (s *RegistryService) DeleteRegisteredModel(ctx context.Context, name string) (err error) {
	defer weir.Wrap(&err, "DeleteRegisteredModel(%q)", name)
	if err := validateModelName(name, "name"); err != nil {
		return err
	}
	return s.db.writeTx(ctx, func(tx *txn) error {
		res, err := tx.exec(ctx, `DELETE FROM registered_models WHERE name = ?`, name)
		if err != nil {
			return err
		}
		return mustAffect(res, noModel(name))
	})
}

// SetRegisteredModelTag sets or overwrites a tag of a model.
func (s *RegistryService) SetRegisteredModelTag(ctx context.Context, name string, t registry.Tag) (err error) {
	defer weir.Wrap(&err, "SetRegisteredModelTag(%q, %q)", name, t.Key)
	if err := validateModelName(name, "name"); err != nil {
		return err
	}
	if err := validateTags([]registry.Tag{t}); err != nil {
		return err
	}
	db := s.db
	return db.writeTx(ctx, func(tx *txn) error {
		if err := modelExists(ctx, tx, name); err != nil {
			return err
		}
		if err := putModelTags(ctx, tx, name, []registry.Tag{t}); err != nil {
			return err
		}
		// Only prompts announce their own tags, as in MLflow.
		return raiseAbout(ctx, tx, db.nowMillis(), name, webhook.Event{}, webhook.PromptTagSet,
			webhook.PromptTagSetData{Name: name, Key: t.Key, Value: t.Value})
	})
}

// DeleteRegisteredModelTag deletes a tag of a model; a missing tag is not an
// error, as in MLflow.
func (s *RegistryService) DeleteRegisteredModelTag(ctx context.Context, name, key string) (err error) {
	defer weir.Wrap(&err, "DeleteRegisteredModelTag(%q, %q)", name, key)
	if err := validateModelName(name, "name"); err != nil {
		return err
	}
	if err := validateTags([]registry.Tag{{Key: key}}); err != nil {
		return err
	}
	db := s.db
	return db.writeTx(ctx, func(tx *txn) error {
		if err := modelExists(ctx, tx, name); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `DELETE FROM registered_model_tags WHERE name = ? AND key = ?`, name, key); err != nil {
			return err
		}
		return raiseAbout(ctx, tx, db.nowMillis(), name, webhook.Event{}, webhook.PromptTagDeleted,
			webhook.PromptTagDeletedData{Name: name, Key: key})
	})
}

// GetLatestVersions returns the latest version of each of stages (every
// stage, None included, when stages is empty).
func (s *RegistryService) GetLatestVersions(ctx context.Context, name string, stages []string) (mvs []*registry.ModelVersion, err error) {
	defer weir.Wrap(&err, "GetLatestVersions(%q)", name)
	if err := validateModelName(name, "name"); err != nil {
		return nil, err
	}
	want := map[string]bool{}
	for _, st := range stages {
		c, err := canonicalStage(st)
		if err != nil {
			return nil, err
		}
		want[c] = true
	}
	err = s.db.readTx(ctx, func(tx *txn) error {
		m, err := getModel(ctx, tx, name)
		if err != nil {
			return err
		}
		mvs = []*registry.ModelVersion{}
		for i := range m.LatestVersions {
			if mv := &m.LatestVersions[i]; len(want) == 0 || want[mv.CurrentStage] {
				mvs = append(mvs, mv)
			}
		}
		return nil
	})
	return mvs, err
}
