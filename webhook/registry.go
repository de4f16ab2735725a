package webhook

// Registry events that webhooks receive, as MLflow's server sends them.
var (
	ModelCreated      = Event{Entity: "REGISTERED_MODEL", Action: "CREATED"}
	VersionCreated    = Event{Entity: "MODEL_VERSION", Action: "CREATED"}
	VersionTagSet     = Event{Entity: "MODEL_VERSION_TAG", Action: "SET"}
	VersionTagDeleted = Event{Entity: "MODEL_VERSION_TAG", Action: "DELETED"}
	AliasCreated      = Event{Entity: "MODEL_VERSION_ALIAS", Action: "CREATED"}
	AliasDeleted      = Event{Entity: "MODEL_VERSION_ALIAS", Action: "DELETED"}

	// Registered models tagged as prompts announce these instead.
	PromptCreated           = Event{Entity: "PROMPT", Action: "CREATED"}
	PromptVersionCreated    = Event{Entity: "PROMPT_VERSION", Action: "CREATED"}
	PromptTagSet            = Event{Entity: "PROMPT_TAG", Action: "SET"}
	PromptTagDeleted        = Event{Entity: "PROMPT_TAG", Action: "DELETED"}
	PromptVersionTagSet     = Event{Entity: "PROMPT_VERSION_TAG", Action: "SET"}
	PromptVersionTagDeleted = Event{Entity: "PROMPT_VERSION_TAG", Action: "DELETED"}
	PromptAliasCreated      = Event{Entity: "PROMPT_ALIAS", Action: "CREATED"}
	PromptAliasDeleted      = Event{Entity: "PROMPT_ALIAS", Action: "DELETED"}
)

// The "data" of each registry event's payload. Field names and
// null-versus-empty choices follow MLflow's payloads, which receivers
// already parse; the server and the store's outbox both build them.
type (
	// RegisteredModelCreated is the data of ModelCreated and PromptCreated.
	RegisteredModelCreated struct {
		Name        string            `json:"name"`
		Tags        map[string]string `json:"tags"`
		Description *string           `json:"description"`
	}
	// ModelVersionCreated is the data of VersionCreated.
	ModelVersionCreated struct {
		Name        string            `json:"name"`
		Version     string            `json:"version"`
		Source      string            `json:"source"`
		RunID       *string           `json:"run_id"`
		Tags        map[string]string `json:"tags"`
		Description *string           `json:"description"`
	}
	// VersionTagSetData is the data of VersionTagSet and PromptVersionTagSet.
	VersionTagSetData struct {
		Name    string `json:"name"`
		Version string `json:"version"`
		Key     string `json:"key"`
		Value   string `json:"value"`
	}
	// VersionTagDeletedData is the data of VersionTagDeleted and
	// PromptVersionTagDeleted.
	VersionTagDeletedData struct {
		Name    string `json:"name"`
		Version string `json:"version"`
		Key     string `json:"key"`
	}
	// AliasCreatedData is the data of AliasCreated and PromptAliasCreated.
	AliasCreatedData struct {
		Name    string `json:"name"`
		Alias   string `json:"alias"`
		Version string `json:"version"`
	}
	// AliasDeletedData is the data of AliasDeleted and PromptAliasDeleted.
	AliasDeletedData struct {
		Name  string `json:"name"`
		Alias string `json:"alias"`
	}
	// PromptVersionCreatedData is the data of PromptVersionCreated.
	PromptVersionCreatedData struct {
		Name        string            `json:"name"`
		Version     string            `json:"version"`
		Template    *string           `json:"template"`
		Tags        map[string]string `json:"tags"`
		Description *string           `json:"description"`
	}
	// PromptTagSetData is the data of PromptTagSet.
	PromptTagSetData struct {
		Name  string `json:"name"`
		Key   string `json:"key"`
		Value string `json:"value"`
	}
	// PromptTagDeletedData is the data of PromptTagDeleted.
	PromptTagDeletedData struct {
		Name string `json:"name"`
		Key  string `json:"key"`
	}
)

// Tags that mark registered models and versions as MLflow prompts, which
// announce PROMPT_* events, and carry their type and template. Payloads
// leave them out, as MLflow's do.
const (
	PromptTag     = "mlflow.prompt.is_prompt"
	PromptTypeTag = "_mlflow_prompt_type"
	PromptTextTag = "mlflow.prompt.text"
)
