package httpapi

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strconv"
)

// The GraphQL object types are filled from the REST answers (graphqlCall
// decodes them by their json tags) and read by the executor by field name.
// Every GraphQL field of MLflow's schema is nullable, so each Go field is a
// pointer; fillDefaults then gives every field the REST answer left out its
// zero value (MLflow's resolvers read protobuf messages, which answer ""
// or 0 or [] for an unset field), except enums and apiError, which stay
// null.

// gqlEnum is an enum value; an unset one answers null.
type gqlEnum string

// longString is MLflow's LongString scalar: an int64 as a decimal string.
type longString int64

// ImplementsGraphQLType says longString is the schema's LongString.
func (longString) ImplementsGraphQLType(name string) bool { return name == "LongString" }

// UnmarshalGraphQL reads a LongString input: an integer literal or variable,
// or a string holding one.
func (l *longString) UnmarshalGraphQL(input any) error {
	switch v := input.(type) {
	case int32:
		*l = longString(v)
	case int64:
		*l = longString(v)
	case float64:
		if v != math.Trunc(v) || math.Abs(v) > 1<<63 {
			return errors.New("LongString cannot represent " + strconv.FormatFloat(v, 'g', -1, 64))
		}
		*l = longString(v)
	case string:
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return errors.New("LongString cannot represent " + strconv.Quote(v))
		}
		*l = longString(n)
	default:
		return errors.New("LongString needs an integer")
	}
	return nil
}

// MarshalJSON writes the value as a JSON string; REST requests accept it.
func (l longString) MarshalJSON() ([]byte, error) {
	return strconv.AppendQuote(nil, strconv.FormatInt(int64(l), 10)), nil
}

// UnmarshalJSON reads an int64 of a REST answer: a number or a string.
func (l *longString) UnmarshalJSON(b []byte) error {
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	v, err := strconv.ParseInt(n.String(), 10, 64)
	*l = longString(v)
	return err
}

// wireFloat is a double of a REST answer, where NaN and the infinities are
// the strings "NaN", "Infinity" and "-Infinity".
type wireFloat float64

// UnmarshalJSON reads a number or one of those strings.
func (f *wireFloat) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case `"NaN"`:
		*f = wireFloat(math.NaN())
	case `"Infinity"`:
		*f = wireFloat(math.Inf(1))
	case `"-Infinity"`:
		*f = wireFloat(math.Inf(-1))
	default:
		var v float64
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*f = wireFloat(v)
	}
	return nil
}

// finite is the value for GraphQL's Float, null when it is not a finite
// number: GraphQL cannot carry NaN or the infinities (MLflow answers null
// for NaN too).
func (f wireFloat) finite() *float64 {
	v := float64(f)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

type gqlAPIError struct {
	Code         *string
	Message      *string
	HelpURL      *string
	TraceID      *string
	ErrorDetails *[]*gqlErrorDetail
}

type gqlErrorDetail struct {
	Field   *string
	Message *string
}

type gqlKeyValue struct {
	Key   *string `json:"key"`
	Value *string `json:"value"`
}

type gqlTest struct {
	Output *string
}

type gqlExperimentResponse struct {
	Experiment *gqlExperiment `json:"experiment"`
	APIError   *gqlAPIError   `json:"-" gql:"null"`
}

type gqlExperiment struct {
	ExperimentID                    *string         `json:"experiment_id"`
	Name                            *string         `json:"name"`
	ArtifactLocation                *string         `json:"artifact_location"`
	LifecycleStage                  *string         `json:"lifecycle_stage"`
	LastUpdateTime                  *longString     `json:"last_update_time"`
	CreationTime                    *longString     `json:"creation_time"`
	Tags                            *[]*gqlKeyValue `json:"tags"`
	EffectiveTraceArchivalRetention *string         `json:"effective_trace_archival_retention"`
	Workspace                       *string         `json:"workspace"`
}

type gqlRunResponse struct {
	Run      *gqlRun      `json:"run"`
	APIError *gqlAPIError `json:"-" gql:"null"`
}

type gqlRunsResponse struct {
	Runs          *[]*gqlRun   `json:"runs"`
	NextPageToken *string      `json:"next_page_token"`
	APIError      *gqlAPIError `json:"-" gql:"null"`
}

// gqlRun is MlflowRunExtension: a run with its experiment and model
// versions, which are read (graphql_resolvers.go) only when asked for.
type gqlRun struct {
	Info    *gqlRunInfo    `json:"info"`
	Data    *gqlRunData    `json:"data"`
	Inputs  *gqlRunInputs  `json:"inputs"`
	Outputs *gqlRunOutputs `json:"outputs"`
}

type gqlRunInfo struct {
	RunID          *string     `json:"run_id"`
	RunUUID        *string     `json:"run_uuid"`
	RunName        *string     `json:"run_name"`
	ExperimentID   *string     `json:"experiment_id"`
	UserID         *string     `json:"user_id"`
	Status         *gqlEnum    `json:"status"`
	StartTime      *longString `json:"start_time"`
	EndTime        *longString `json:"end_time"`
	ArtifactURI    *string     `json:"artifact_uri"`
	LifecycleStage *string     `json:"lifecycle_stage"`
}

type gqlRunData struct {
	Metrics *[]*gqlMetric   `json:"metrics"`
	Params  *[]*gqlKeyValue `json:"params"`
	Tags    *[]*gqlKeyValue `json:"tags"`
}

// gqlMetric serves MlflowMetricExtension, MlflowMetricWithRunId and
// MlflowModelMetric.
type gqlMetric struct {
	Key           *string     `json:"key"`
	Raw           wireFloat   `json:"value"`
	Timestamp     *longString `json:"timestamp"`
	Step          *longString `json:"step"`
	DatasetName   *string     `json:"dataset_name"`
	DatasetDigest *string     `json:"dataset_digest"`
	ModelID       *string     `json:"model_id"`
	RunID         *string     `json:"run_id"`
}

// Value is the metric's value, null when it is NaN or infinite.
func (m *gqlMetric) Value() *float64 { return m.Raw.finite() }

type gqlRunInputs struct {
	DatasetInputs *[]*gqlDatasetInput `json:"dataset_inputs"`
	ModelInputs   *[]*gqlModelRef     `json:"model_inputs"`
}

type gqlDatasetInput struct {
	Tags    *[]*gqlKeyValue `json:"tags"`
	Dataset *gqlDataset     `json:"dataset"`
}

type gqlDataset struct {
	Name       *string `json:"name"`
	Digest     *string `json:"digest"`
	SourceType *string `json:"source_type"`
	Source     *string `json:"source"`
	Schema     *string `json:"schema"`
	Profile    *string `json:"profile"`
}

// gqlModelRef serves MlflowModelInput and MlflowModelOutput.
type gqlModelRef struct {
	ModelID *string     `json:"model_id"`
	Step    *longString `json:"step"`
}

type gqlRunOutputs struct {
	ModelOutputs *[]*gqlModelRef `json:"model_outputs"`
}

type gqlMetricsResponse struct {
	Metrics  *[]*gqlMetric `json:"metrics"`
	APIError *gqlAPIError  `json:"-" gql:"null"`
}

type gqlArtifactsResponse struct {
	RootURI       *string         `json:"root_uri"`
	Files         *[]*gqlFileInfo `json:"files"`
	NextPageToken *string         `json:"next_page_token"`
	APIError      *gqlAPIError    `json:"-" gql:"null"`
}

type gqlFileInfo struct {
	Path     *string     `json:"path"`
	IsDir    *bool       `json:"is_dir"`
	FileSize *longString `json:"file_size"`
}

type gqlModelVersionsResponse struct {
	ModelVersions *[]*gqlModelVersion `json:"model_versions"`
	NextPageToken *string             `json:"next_page_token"`
	APIError      *gqlAPIError        `json:"-" gql:"null"`
}

type gqlModelVersion struct {
	Name                 *string           `json:"name"`
	Version              *string           `json:"version"`
	CreationTimestamp    *longString       `json:"creation_timestamp"`
	LastUpdatedTimestamp *longString       `json:"last_updated_timestamp"`
	UserID               *string           `json:"user_id"`
	CurrentStage         *string           `json:"current_stage"`
	Description          *string           `json:"description"`
	Source               *string           `json:"source"`
	RunID                *string           `json:"run_id"`
	Status               *gqlEnum          `json:"status"`
	StatusMessage        *string           `json:"status_message"`
	Tags                 *[]*gqlKeyValue   `json:"tags"`
	RunLink              *string           `json:"run_link"`
	Aliases              *[]*string        `json:"aliases"`
	ModelID              *string           `json:"model_id"`
	ModelParams          *[]*gqlModelParam `json:"model_params"`
	ModelMetrics         *[]*gqlMetric     `json:"model_metrics"`
	DeploymentJobState   *gqlDeploymentJob `json:"deployment_job_state"`
}

type gqlModelParam struct {
	Name  *string `json:"name"`
	Value *string `json:"value"`
}

type gqlDeploymentJob struct {
	JobID           *string  `json:"job_id"`
	RunID           *string  `json:"run_id"`
	JobState        *gqlEnum `json:"job_state"`
	RunState        *gqlEnum `json:"run_state"`
	CurrentTaskName *string  `json:"current_task_name"`
}

type gqlDatasetsResponse struct {
	DatasetSummaries *[]*gqlDatasetSummary `json:"dataset_summaries"`
	APIError         *gqlAPIError          `json:"-" gql:"null"`
}

type gqlDatasetSummary struct {
	ExperimentID *string `json:"experiment_id"`
	Name         *string `json:"name"`
	Digest       *string `json:"digest"`
	Context      *string `json:"context"`
}

var enumType = reflect.TypeFor[gqlEnum]()

// fillDefaults gives every nil field of the struct v points to, and of the
// structs it holds, its zero value: "" for strings, 0, false, an empty list,
// an empty object. Enums and fields tagged gql:"null" stay nil.
func fillDefaults(v any) {
	fillValue(reflect.ValueOf(v))
}

func fillValue(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			fillValue(v.Elem())
		}
	case reflect.Slice:
		for i := range v.Len() {
			fillValue(v.Index(i))
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() || f.Tag.Get("gql") == "null" {
				continue
			}
			fv := v.Field(i)
			if fv.Kind() != reflect.Pointer {
				continue
			}
			if fv.IsNil() {
				if f.Type.Elem() == enumType {
					continue
				}
				fv.Set(reflect.New(f.Type.Elem()))
				if fv.Elem().Kind() == reflect.Slice {
					fv.Elem().Set(reflect.MakeSlice(f.Type.Elem(), 0, 0))
				}
			}
			fillValue(fv)
		}
	}
}
