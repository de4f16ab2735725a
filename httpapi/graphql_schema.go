package httpapi

// graphqlSchema is the schema of POST /graphql. Its type, field and
// argument names are MLflow's (tests/reference/fixtures/graphql_schema.json
// holds mlflow 3.17.2's, and graphql_schema_test.go checks ours against it):
// MLflow's web UI sends queries written against them and reads __typename.
// Every field answers as MLflow's does, from the REST answer of the same
// call: inputs are the REST request's fields in camelCase, outputs the REST
// response's, int64 values as LongString (a decimal string, which
// JavaScript cannot round), and apiError is always null (errors go to the
// response's errors list).
const graphqlSchema = `
schema {
	query: Query
	mutation: Mutation
}

"Names the UI component that sends a query; the server ignores it."
directive @component(name: String!) on QUERY | MUTATION

"A 64-bit integer sent as a decimal string."
scalar LongString

type Query {
	mlflowGetExperiment(input: MlflowGetExperimentInput): MlflowGetExperimentResponse
	mlflowGetMetricHistoryBulkInterval(input: MlflowGetMetricHistoryBulkIntervalInput): MlflowGetMetricHistoryBulkIntervalResponse
	mlflowGetRun(input: MlflowGetRunInput): MlflowGetRunResponse
	mlflowListArtifacts(input: MlflowListArtifactsInput): MlflowListArtifactsResponse
	mlflowSearchModelVersions(input: MlflowSearchModelVersionsInput): MlflowSearchModelVersionsResponse
	mlflowSearchRuns(input: MlflowSearchRunsInput): MlflowSearchRunsResponse
	"Echoes inputString, to check that the endpoint answers."
	test(inputString: String): Test
}

type Mutation {
	mlflowSearchDatasets(input: MlflowSearchDatasetsInput): MlflowSearchDatasetsResponse
	mlflowSearchRuns(input: MlflowSearchRunsInput): MlflowSearchRunsResponse
	"Answers null, as MLflow's does."
	testMutation(inputString: String): TestMutation
}

type Test { output: String }
type TestMutation { output: String }

input MlflowGetExperimentInput { experimentId: String }
input MlflowGetRunInput { runId: String runUuid: String }
input MlflowListArtifactsInput { runId: String runUuid: String path: String pageToken: String }
input MlflowGetMetricHistoryBulkIntervalInput {
	runIds: [String]
	metricKey: String
	startStep: Int
	endStep: Int
	maxResults: Int
}
input MlflowSearchModelVersionsInput { filter: String maxResults: LongString orderBy: [String] pageToken: String }
input MlflowSearchRunsInput {
	experimentIds: [String]
	filter: String
	runViewType: MlflowViewType
	maxResults: Int
	orderBy: [String]
	pageToken: String
}
input MlflowSearchDatasetsInput { experimentIds: [String] }

enum MlflowViewType { ACTIVE_ONLY DELETED_ONLY ALL }
enum MlflowRunStatus { RUNNING SCHEDULED FINISHED FAILED KILLED }
enum MlflowModelVersionStatus { PENDING_REGISTRATION FAILED_REGISTRATION READY }
enum MlflowDeploymentJobConnectionState {
	DEPLOYMENT_JOB_CONNECTION_STATE_UNSPECIFIED NOT_SET_UP CONNECTED NOT_FOUND REQUIRED_PARAMETERS_CHANGED
}
enum MlflowModelVersionDeploymentJobStateDeploymentJobRunState {
	DEPLOYMENT_JOB_RUN_STATE_UNSPECIFIED NO_VALID_DEPLOYMENT_JOB_FOUND RUNNING SUCCEEDED FAILED PENDING APPROVAL
}

type ApiError {
	code: String
	message: String
	helpUrl: String
	traceId: String
	errorDetails: [ErrorDetail]
}
type ErrorDetail { field: String message: String }

type MlflowGetExperimentResponse { experiment: MlflowExperiment apiError: ApiError }
type MlflowExperiment {
	experimentId: String
	name: String
	artifactLocation: String
	lifecycleStage: String
	lastUpdateTime: LongString
	creationTime: LongString
	tags: [MlflowExperimentTag!]
	effectiveTraceArchivalRetention: String
	workspace: String
}
type MlflowExperimentTag { key: String value: String }

type MlflowGetRunResponse { run: MlflowRunExtension apiError: ApiError }
type MlflowSearchRunsResponse { runs: [MlflowRunExtension!] nextPageToken: String apiError: ApiError }
type MlflowRunExtension {
	info: MlflowRunInfo
	data: MlflowRunData
	inputs: MlflowRunInputs
	outputs: MlflowRunOutputs
	"The run's experiment."
	experiment: MlflowExperiment
	"The registered model versions made from the run."
	modelVersions: [MlflowModelVersion!]
}
type MlflowRunInfo {
	runId: String
	runUuid: String
	runName: String
	experimentId: String
	userId: String
	status: MlflowRunStatus
	startTime: LongString
	endTime: LongString
	artifactUri: String
	lifecycleStage: String
}
type MlflowRunData { metrics: [MlflowMetricExtension!] params: [MlflowParam!] tags: [MlflowRunTag!] }
"A metric; value is null for NaN (and the infinities), which GraphQL's Float cannot carry."
type MlflowMetricExtension {
	key: String
	value: Float
	timestamp: LongString
	step: LongString
	datasetName: String
	datasetDigest: String
	modelId: String
	runId: String
}
type MlflowParam { key: String value: String }
type MlflowRunTag { key: String value: String }
type MlflowRunInputs { datasetInputs: [MlflowDatasetInput!] modelInputs: [MlflowModelInput!] }
type MlflowDatasetInput { tags: [MlflowInputTag!] dataset: MlflowDataset }
type MlflowInputTag { key: String value: String }
type MlflowDataset {
	name: String
	digest: String
	sourceType: String
	source: String
	schema: String
	profile: String
}
type MlflowModelInput { modelId: String }
type MlflowRunOutputs { modelOutputs: [MlflowModelOutput!] }
type MlflowModelOutput { modelId: String step: LongString }

type MlflowGetMetricHistoryBulkIntervalResponse { metrics: [MlflowMetricWithRunId!] apiError: ApiError }
type MlflowMetricWithRunId { key: String value: Float timestamp: LongString step: LongString runId: String }

type MlflowListArtifactsResponse { rootUri: String files: [MlflowFileInfo!] nextPageToken: String apiError: ApiError }
type MlflowFileInfo { path: String isDir: Boolean fileSize: LongString }

type MlflowSearchModelVersionsResponse { modelVersions: [MlflowModelVersion!] nextPageToken: String apiError: ApiError }
type MlflowModelVersion {
	name: String
	version: String
	creationTimestamp: LongString
	lastUpdatedTimestamp: LongString
	userId: String
	currentStage: String
	description: String
	source: String
	runId: String
	status: MlflowModelVersionStatus
	statusMessage: String
	tags: [MlflowModelVersionTag!]
	runLink: String
	aliases: [String]
	modelId: String
	modelParams: [MlflowModelParam!]
	modelMetrics: [MlflowModelMetric!]
	deploymentJobState: MlflowModelVersionDeploymentJobState
}
type MlflowModelVersionTag { key: String value: String }
type MlflowModelParam { name: String value: String }
type MlflowModelMetric {
	key: String
	value: Float
	timestamp: LongString
	step: LongString
	datasetName: String
	datasetDigest: String
	modelId: String
	runId: String
}
type MlflowModelVersionDeploymentJobState {
	jobId: String
	runId: String
	jobState: MlflowDeploymentJobConnectionState
	runState: MlflowModelVersionDeploymentJobStateDeploymentJobRunState
	currentTaskName: String
}

type MlflowSearchDatasetsResponse { datasetSummaries: [MlflowDatasetSummary!] apiError: ApiError }
type MlflowDatasetSummary { experimentId: String name: String digest: String context: String }
`
