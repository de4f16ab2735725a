package pipeline

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/weir-ml/weir"
)

// ArgoOptions say what an exported Workflow runs and where it keeps state.
type ArgoOptions struct {
	// Image is a container image with the full weir binary at Binary.
	Image string
	// Binary is the weir binary's path in Image; "" means "/weir".
	Binary string
	// StateDir is the step cache every step reads and writes, an
	// s3://bucket/prefix URI.
	StateDir string
	// Secret names the Secret holding the tracking URI and the S3
	// credentials, under the keys listed in ArgoSecretKeys.
	Secret string
	// ServiceAccount runs the pods; "" leaves Argo's default.
	ServiceAccount string
	// Namespace of the Workflow and its ConfigMap; "" leaves kubectl's.
	Namespace string
}

// ArgoSecretKeys are the keys an exported Workflow reads from its Secret,
// by environment variable; the ones marked optional may be absent.
var ArgoSecretKeys = []struct {
	Env, Key string
	Optional bool
}{
	{"MLFLOW_TRACKING_URI", "tracking-uri", false},
	{"AWS_ACCESS_KEY_ID", "aws-access-key-id", false},
	{"AWS_SECRET_ACCESS_KEY", "aws-secret-access-key", false},
	{"AWS_REGION", "aws-region", true},
	{"WEIR_S3_ENDPOINT_URL", "s3-endpoint-url", true},
	{"WEIR_S3_PATH_STYLE", "s3-path-style", true},
}

// Where an exported Workflow's pods find their files.
const (
	argoSpecDir = "/etc/weir/pipeline"
	argoSpecKey = "pipeline.yaml"
	argoTmp     = "/tmp"
	// argoUID is the distroless "nonroot" user, as in model images.
	argoUID = 65532
)

// ArgoWorkflow writes the pipeline as two YAML documents: a ConfigMap
// holding the spec file (source, its bytes) and an Argo Workflows
// Workflow (argoproj.io/v1alpha1) whose DAG runs the steps in order, each
// in its own pod running `weir pipeline run --step NAME`. The steps share
// their results through the s3:// step cache and log to one pipeline run,
// named after the workflow.
func ArgoWorkflow(spec *Spec, source []byte, o ArgoOptions) ([]byte, error) {
	if !strings.HasPrefix(o.StateDir, "s3://") || len(o.StateDir) <= len("s3://") {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "state dir %q: the pods share the step cache through object storage: give s3://bucket/prefix", o.StateDir)
	}
	if o.Image == "" || o.Secret == "" {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "an Argo workflow needs the image and the secret")
	}
	if o.Binary == "" {
		o.Binary = "/weir"
	}
	name := dnsLabel(spec.Name)
	sum := sha256.Sum256(source)
	cm := k8sObject{
		APIVersion: "v1", Kind: "ConfigMap",
		Metadata: k8sMeta{Name: "weir-pipeline-" + trimLabel(name, 40) + "-" + hex.EncodeToString(sum[:4]), Namespace: o.Namespace, Labels: argoLabels(spec)},
		Data:     map[string]string{argoSpecKey: string(source)},
	}
	wf := k8sObject{
		APIVersion: "argoproj.io/v1alpha1", Kind: "Workflow",
		Metadata: k8sMeta{GenerateName: trimLabel(name, 50) + "-", Namespace: o.Namespace, Labels: argoLabels(spec)},
		Spec:     argoSpec(o, cm.Metadata.Name),
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "# The %s pipeline as an Argo Workflow, written by weir pipeline export.\n# Submit it with: kubectl create -f FILE (the ConfigMap holds the spec file).\n", spec.Name)
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	for _, doc := range []k8sObject{cm, wf} {
		if err := enc.Encode(doc); err != nil {
			return nil, err
		}
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func argoLabels(spec *Spec) map[string]string {
	return map[string]string{
		"app.kubernetes.io/name":      "weir",
		"app.kubernetes.io/component": "pipeline",
		"weir.ml/pipeline":            trimLabel(dnsLabel(spec.Name), 63),
	}
}

func argoSpec(o ArgoOptions, configMap string) *workflowSpec {
	var tasks []dagTask
	for i, step := range Steps {
		t := dagTask{Name: step, Template: "step", Arguments: arguments{Parameters: []parameter{{Name: "step", Value: step}}}}
		if i > 0 {
			// Each step reads the cached results of all the steps before
			// it, so they run one after the other.
			t.Dependencies = []string{Steps[i-1]}
		}
		tasks = append(tasks, t)
	}
	var env []envVar
	for _, k := range ArgoSecretKeys {
		env = append(env, envVar{Name: k.Env, ValueFrom: &envSource{SecretKeyRef: &secretKeyRef{Name: o.Secret, Key: k.Key, Optional: k.Optional}}})
	}
	no, yes := false, true
	uid := int64(argoUID)
	return &workflowSpec{
		Entrypoint:         "pipeline",
		ServiceAccountName: o.ServiceAccount,
		SecurityContext:    &podSecurity{RunAsNonRoot: &yes, RunAsUser: &uid, RunAsGroup: &uid, FSGroup: &uid},
		Volumes: []volume{
			{Name: "spec", ConfigMap: &configMapVolume{Name: configMap}},
			{Name: "tmp", EmptyDir: &struct{}{}},
		},
		Templates: []template{
			{Name: "pipeline", DAG: &dag{Tasks: tasks}},
			{
				Name:          "step",
				Inputs:        &inputs{Parameters: []parameter{{Name: "step"}}},
				RetryStrategy: &retryStrategy{Limit: "2"},
				Container: &container{
					Image:   o.Image,
					Command: []string{o.Binary},
					Args: []string{
						"pipeline", "run",
						"--step", "{{inputs.parameters.step}}",
						"--pipeline-run", "{{workflow.name}}",
						"--state-dir", o.StateDir,
						// The model image is built and pushed apart, with
						// weir models build-image --push.
						"--no-image",
						path.Join(argoSpecDir, argoSpecKey),
					},
					Env:             env,
					WorkingDir:      argoTmp,
					VolumeMounts:    []volumeMount{{Name: "spec", MountPath: argoSpecDir, ReadOnly: true}, {Name: "tmp", MountPath: argoTmp}},
					SecurityContext: &containerSecurity{AllowPrivilegeEscalation: &no, ReadOnlyRootFilesystem: &yes, Capabilities: &capabilities{Drop: []string{"ALL"}}},
					Resources:       &resources{Requests: map[string]string{"cpu": "1", "memory": "1Gi"}, Limits: map[string]string{"memory": "4Gi"}},
				},
			},
		},
	}
}

var notLabel = regexp.MustCompile(`[^a-z0-9-]+`)

// dnsLabel turns a pipeline name into a Kubernetes name: lower case
// letters, digits and '-', starting and ending with a letter or digit.
func dnsLabel(s string) string {
	s = strings.Trim(notLabel.ReplaceAllString(strings.ToLower(s), "-"), "-")
	if s == "" {
		return "pipeline"
	}
	return s
}

func trimLabel(s string, n int) string {
	if len(s) > n {
		s = strings.TrimRight(s[:n], "-")
	}
	return s
}
