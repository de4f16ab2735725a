package check

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// exportWorkflow runs `weir pipeline export --argo` on the bank-marketing
// example and returns the documents it wrote.
func exportWorkflow(t *testing.T) []object {
	t.Helper()
	full, _ := binaries(t)
	out := filepath.Join(t.TempDir(), "bank.argo.yaml")
	cmd := exec.Command(full, "pipeline", "export", "--argo", out, "--image", "registry.example.com/weir:1.0.0",
		"--state-dir", "s3://weir-pipeline/state", "--service-account", "weir-pipeline", "examples/bank-marketing/pipeline.yaml")
	cmd.Dir = repoRoot
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("weir pipeline export: %v\n%s", err, b)
	}
	return readDocs(t, out)
}

// workflowPod is the step template's pod: the Workflow's volumes and
// security context with the template's container.
type workflowPod struct {
	Spec struct {
		Entrypoint         string                     `json:"entrypoint"`
		ServiceAccountName string                     `json:"serviceAccountName"`
		SecurityContext    *corev1.PodSecurityContext `json:"securityContext"`
		Volumes            []corev1.Volume            `json:"volumes"`
		Templates          []struct {
			Name   string `json:"name"`
			Inputs *struct {
				Parameters []struct {
					Name string `json:"name"`
				} `json:"parameters"`
			} `json:"inputs"`
			RetryStrategy any `json:"retryStrategy"`
			DAG           *struct {
				Tasks []struct {
					Name         string   `json:"name"`
					Template     string   `json:"template"`
					Dependencies []string `json:"dependencies"`
					Arguments    struct {
						Parameters []struct {
							Name  string `json:"name"`
							Value string `json:"value"`
						} `json:"parameters"`
					} `json:"arguments"`
				} `json:"tasks"`
			} `json:"dag"`
			Container *corev1.Container `json:"container"`
		} `json:"templates"`
	} `json:"spec"`
}

// TestExportedWorkflow validates the Workflow of `weir pipeline export
// --argo` against Argo's published schema, its ConfigMap against the
// upstream type, its references (templates, volumes, the ConfigMap, the
// example overlay's Secret) and its container's command line against
// `weir pipeline run`.
func TestExportedWorkflow(t *testing.T) {
	if testing.Short() {
		t.Skip("builds weir")
	}
	docs := exportWorkflow(t)
	if len(docs) != 2 || docs[0].kind() != "ConfigMap" || docs[1].kind() != "Workflow" {
		var kinds []string
		for _, d := range docs {
			kinds = append(kinds, d.kind())
		}
		t.Fatalf("exported %s; want a ConfigMap and a Workflow", strings.Join(kinds, ", "))
	}
	if _, err := decodeStrict(docs[0]); err != nil {
		t.Errorf("%s: %v", docs[0].where, err)
	}
	wf := docs[1]
	if err := validateCustom(t, wf); err != nil {
		t.Fatalf("%s: %v", wf.where, err)
	}
	var p workflowPod
	mustJSON(t, wf.where, map[string]any{"spec": wf.obj["spec"]}, &p)

	// The DAG runs every step in order, each through the step template
	// with its name as the parameter.
	templates := map[string]bool{}
	var container *corev1.Container
	var steps []string
	for _, tpl := range p.Spec.Templates {
		templates[tpl.Name] = true
		if tpl.Container != nil {
			container = tpl.Container
		}
	}
	for _, tpl := range p.Spec.Templates {
		if tpl.Name != p.Spec.Entrypoint {
			continue
		}
		if tpl.DAG == nil {
			t.Fatalf("%s: the entrypoint %s is not a DAG", wf.where, tpl.Name)
		}
		prev := ""
		for _, task := range tpl.DAG.Tasks {
			if !templates[task.Template] {
				t.Errorf("%s: task %s runs template %s, which the Workflow lacks", wf.where, task.Name, task.Template)
			}
			if (prev == "" && len(task.Dependencies) != 0) || (prev != "" && !slices.Equal(task.Dependencies, []string{prev})) {
				t.Errorf("%s: task %s depends on %v, want the step before it (%s)", wf.where, task.Name, task.Dependencies, prev)
			}
			if len(task.Arguments.Parameters) != 1 || task.Arguments.Parameters[0].Value != task.Name {
				t.Errorf("%s: task %s does not pass its name as the step", wf.where, task.Name)
			}
			steps, prev = append(steps, task.Name), task.Name
		}
	}
	want := []string{"business", "acquire", "understand", "validate", "prepare", "model", "evaluate", "register", "deploy", "monitor"}
	if !slices.Equal(steps, want) {
		t.Errorf("%s: steps %s, want %s", wf.where, strings.Join(steps, ", "), strings.Join(want, ", "))
	}
	if container == nil {
		t.Fatalf("%s: no container template", wf.where)
	}

	// References: the ConfigMap, the volumes, the overlay's Secret.
	overlay := decodeSet(t, build(t, root+"/overlays/example"))
	cm, _ := decodeStrict(docs[0])
	overlay.configs[docs[0].name()] = cm.(*corev1.ConfigMap)
	pod := podOwner{where: wf.where, name: "step", spec: corev1.PodSpec{Volumes: p.Spec.Volumes, SecurityContext: p.Spec.SecurityContext, Containers: []corev1.Container{*container}}}
	checkPodRefs(t, overlay, pod)
	for _, m := range container.VolumeMounts {
		for _, v := range p.Spec.Volumes {
			if v.Name == m.Name && v.ConfigMap != nil {
				for k := range overlay.configs[v.ConfigMap.Name].Data {
					if !slices.Contains(container.Args, filepath.Join(m.MountPath, k)) {
						t.Errorf("%s: the pods do not read %s of the ConfigMap", wf.where, k)
					}
				}
			}
		}
	}

	// The command line, as Argo fills it in for a step.
	full, _ := binaries(t)
	if len(container.Command) != 1 || container.Command[0] != readDockerfile(t).entrypoint[0] {
		t.Errorf("%s: the container runs %q, not the image's weir", wf.where, container.Command)
	}
	var args []string
	for _, a := range container.Args {
		a = strings.ReplaceAll(a, "{{inputs.parameters.step}}", "model")
		a = strings.ReplaceAll(a, "{{workflow.name}}", "bank-marketing-x7k2p")
		if strings.HasPrefix(a, "/etc/") {
			// The spec file is in the ConfigMap's volume: the example.
			a = filepath.Join(repoRoot, "examples/bank-marketing/pipeline.yaml")
		}
		args = append(args, a)
	}
	checkCommand(t, wf.where, full, args, envNames(*container))
	uid := runAsUser(pod.spec, *container)
	if user := readDockerfile(t).user; uid == nil || !strings.HasPrefix(user, fmt.Sprint(*uid)) {
		t.Errorf("%s: runs as user %v, the image as %s", wf.where, deref(uid), user)
	}
	if _, err := os.Stat(filepath.Join(repoRoot, "examples/bank-marketing/pipeline.yaml")); err != nil {
		t.Fatal(err)
	}
}

func envNames(c corev1.Container) []string {
	var out []string
	for _, e := range c.Env {
		out = append(out, e.Name)
	}
	return out
}
