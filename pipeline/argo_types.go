package pipeline

// The part of the Kubernetes and Argo Workflows objects that ArgoWorkflow
// writes, in the upstream field names and order.

type k8sObject struct {
	APIVersion string            `yaml:"apiVersion"`
	Kind       string            `yaml:"kind"`
	Metadata   k8sMeta           `yaml:"metadata"`
	Data       map[string]string `yaml:"data,omitempty"`
	Spec       *workflowSpec     `yaml:"spec,omitempty"`
}

type k8sMeta struct {
	Name         string            `yaml:"name,omitempty"`
	GenerateName string            `yaml:"generateName,omitempty"`
	Namespace    string            `yaml:"namespace,omitempty"`
	Labels       map[string]string `yaml:"labels,omitempty"`
}

type workflowSpec struct {
	Entrypoint         string       `yaml:"entrypoint"`
	ServiceAccountName string       `yaml:"serviceAccountName,omitempty"`
	SecurityContext    *podSecurity `yaml:"securityContext,omitempty"`
	Volumes            []volume     `yaml:"volumes,omitempty"`
	Templates          []template   `yaml:"templates"`
}

type podSecurity struct {
	RunAsNonRoot *bool  `yaml:"runAsNonRoot,omitempty"`
	RunAsUser    *int64 `yaml:"runAsUser,omitempty"`
	RunAsGroup   *int64 `yaml:"runAsGroup,omitempty"`
	FSGroup      *int64 `yaml:"fsGroup,omitempty"`
}

type volume struct {
	Name      string           `yaml:"name"`
	ConfigMap *configMapVolume `yaml:"configMap,omitempty"`
	EmptyDir  *struct{}        `yaml:"emptyDir,omitempty"`
}

type configMapVolume struct {
	Name string `yaml:"name"`
}

type template struct {
	Name          string         `yaml:"name"`
	Inputs        *inputs        `yaml:"inputs,omitempty"`
	RetryStrategy *retryStrategy `yaml:"retryStrategy,omitempty"`
	DAG           *dag           `yaml:"dag,omitempty"`
	Container     *container     `yaml:"container,omitempty"`
}

type inputs struct {
	Parameters []parameter `yaml:"parameters"`
}

type parameter struct {
	Name  string `yaml:"name"`
	Value string `yaml:"value,omitempty"`
}

type retryStrategy struct {
	Limit string `yaml:"limit"`
}

type dag struct {
	Tasks []dagTask `yaml:"tasks"`
}

type dagTask struct {
	Name         string    `yaml:"name"`
	Template     string    `yaml:"template"`
	Dependencies []string  `yaml:"dependencies,omitempty"`
	Arguments    arguments `yaml:"arguments"`
}

type arguments struct {
	Parameters []parameter `yaml:"parameters"`
}

type container struct {
	Image           string             `yaml:"image"`
	Command         []string           `yaml:"command"`
	Args            []string           `yaml:"args"`
	Env             []envVar           `yaml:"env,omitempty"`
	WorkingDir      string             `yaml:"workingDir,omitempty"`
	VolumeMounts    []volumeMount      `yaml:"volumeMounts,omitempty"`
	SecurityContext *containerSecurity `yaml:"securityContext,omitempty"`
	Resources       *resources         `yaml:"resources,omitempty"`
}

type envVar struct {
	Name      string     `yaml:"name"`
	Value     string     `yaml:"value,omitempty"`
	ValueFrom *envSource `yaml:"valueFrom,omitempty"`
}

type envSource struct {
	SecretKeyRef *secretKeyRef `yaml:"secretKeyRef,omitempty"`
}

type secretKeyRef struct {
	Name     string `yaml:"name"`
	Key      string `yaml:"key"`
	Optional bool   `yaml:"optional,omitempty"`
}

type volumeMount struct {
	Name      string `yaml:"name"`
	MountPath string `yaml:"mountPath"`
	ReadOnly  bool   `yaml:"readOnly,omitempty"`
}

type containerSecurity struct {
	AllowPrivilegeEscalation *bool         `yaml:"allowPrivilegeEscalation,omitempty"`
	ReadOnlyRootFilesystem   *bool         `yaml:"readOnlyRootFilesystem,omitempty"`
	Capabilities             *capabilities `yaml:"capabilities,omitempty"`
}

type capabilities struct {
	Drop []string `yaml:"drop"`
}

type resources struct {
	Requests map[string]string `yaml:"requests,omitempty"`
	Limits   map[string]string `yaml:"limits,omitempty"`
}
