package check

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"
)

// pods is a set of pod templates by the object that owns them.
type podOwner struct {
	where  string
	name   string
	labels map[string]string
	spec   corev1.PodSpec
}

// set is a kustomization's output, decoded.
type set struct {
	objs      []object
	pods      []podOwner
	secrets   map[string]*corev1.Secret
	configs   map[string]*corev1.ConfigMap
	deploys   map[string]*appsv1.Deployment
	services  []*corev1.Service
	pdbs      []*policyv1.PodDisruptionBudget
	hpas      []*autoscalingv2.HorizontalPodAutoscaler
	monitors  []*monitoringv1.PodMonitor
	runtimes  map[string]map[string]any // ServingRuntime spec by name
	isvcs     []object
	workflows []object
}

func decodeSet(t *testing.T, objs []object) *set {
	t.Helper()
	s := &set{objs: objs, secrets: map[string]*corev1.Secret{}, configs: map[string]*corev1.ConfigMap{},
		deploys: map[string]*appsv1.Deployment{}, runtimes: map[string]map[string]any{}}
	for _, o := range objs {
		switch o.apiVersion() + " " + o.kind() {
		case "serving.kserve.io/v1alpha1 ServingRuntime":
			spec := o.obj["spec"].(map[string]any)
			s.runtimes[o.name()] = spec
			var ps corev1.PodSpec
			mustJSON(t, o.where, map[string]any{"containers": spec["containers"]}, &ps)
			s.pods = append(s.pods, podOwner{where: o.where, name: o.name(), spec: ps})
			continue
		case "serving.kserve.io/v1beta1 InferenceService":
			s.isvcs = append(s.isvcs, o)
			continue
		case "argoproj.io/v1alpha1 Workflow":
			s.workflows = append(s.workflows, o)
			continue
		}
		v, err := decodeStrict(o)
		if err != nil {
			t.Fatalf("%s: %v", o.where, err)
		}
		switch v := v.(type) {
		case *corev1.Secret:
			s.secrets[v.Name] = v
		case *corev1.ConfigMap:
			s.configs[v.Name] = v
		case *appsv1.Deployment:
			s.deploys[v.Name] = v
			s.pods = append(s.pods, podOwner{where: o.where, name: v.Name, labels: v.Spec.Template.Labels, spec: v.Spec.Template.Spec})
		case *corev1.Service:
			s.services = append(s.services, v)
		case *policyv1.PodDisruptionBudget:
			s.pdbs = append(s.pdbs, v)
		case *autoscalingv2.HorizontalPodAutoscaler:
			s.hpas = append(s.hpas, v)
		case *monitoringv1.PodMonitor:
			s.monitors = append(s.monitors, v)
		}
	}
	return s
}

// mustJSON decodes v's JSON into out strictly.
func mustJSON(t *testing.T, where string, v any, out any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(out); err != nil {
		t.Fatalf("%s: %v", where, err)
	}
}

// selected returns the pod templates a label selector matches.
func (s *set) selected(t *testing.T, where string, sel *metav1.LabelSelector) []podOwner {
	t.Helper()
	if sel == nil {
		t.Errorf("%s: no selector", where)
		return nil
	}
	ls, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		t.Errorf("%s: selector: %v", where, err)
		return nil
	}
	var out []podOwner
	for _, p := range s.pods {
		if p.labels != nil && ls.Matches(labels.Set(p.labels)) {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		t.Errorf("%s: selector %s matches no pods of these manifests", where, ls)
	}
	return out
}

// hasPort reports whether a container of the pod declares the port, by
// name or number.
func hasPort(spec corev1.PodSpec, p intstr.IntOrString) bool {
	for _, c := range spec.Containers {
		for _, cp := range c.Ports {
			if (p.Type == intstr.String && cp.Name == p.StrVal) || (p.Type == intstr.Int && cp.ContainerPort == p.IntVal) {
				return true
			}
		}
	}
	return false
}

func portText(p intstr.IntOrString) string { return p.String() }

// checkRefs checks the references between the objects of one set.
func checkRefs(t *testing.T, s *set) {
	t.Helper()
	for _, d := range s.deploys {
		where := "Deployment " + d.Name
		if d.Spec.Selector == nil || !labels.SelectorFromSet(d.Spec.Selector.MatchLabels).Matches(labels.Set(d.Spec.Template.Labels)) {
			t.Errorf("%s: its selector does not match its own pod template's labels", where)
		}
	}
	for _, svc := range s.services {
		where := "Service " + svc.Name
		pods := s.selected(t, where, &metav1.LabelSelector{MatchLabels: svc.Spec.Selector})
		for _, p := range svc.Spec.Ports {
			if p.TargetPort.Type == intstr.String && p.Name != p.TargetPort.StrVal {
				t.Errorf("%s: port %s targets the pods' port %s: name them alike", where, p.Name, p.TargetPort.StrVal)
			}
			for _, pod := range pods {
				if !hasPort(pod.spec, p.TargetPort) {
					t.Errorf("%s: port %s targets %s, which the pods of %s do not declare", where, p.Name, portText(p.TargetPort), pod.name)
				}
			}
		}
	}
	for _, pdb := range s.pdbs {
		s.selected(t, "PodDisruptionBudget "+pdb.Name, pdb.Spec.Selector)
	}
	for _, h := range s.hpas {
		where := "HorizontalPodAutoscaler " + h.Name
		ref := h.Spec.ScaleTargetRef
		d, ok := s.deploys[ref.Name]
		if ref.Kind != "Deployment" || ref.APIVersion != "apps/v1" || !ok {
			t.Errorf("%s: scale target %s %s %s is not a Deployment of these manifests", where, ref.APIVersion, ref.Kind, ref.Name)
			continue
		}
		if d.Spec.Replicas != nil {
			t.Errorf("%s: Deployment %s sets replicas, which would fight the autoscaler on every apply", where, d.Name)
		}
		for _, m := range h.Spec.Metrics {
			if m.Type != autoscalingv2.ResourceMetricSourceType || m.Resource == nil {
				continue
			}
			for _, c := range d.Spec.Template.Spec.Containers {
				if _, ok := c.Resources.Requests[m.Resource.Name]; !ok && m.Resource.Target.Type == autoscalingv2.UtilizationMetricType {
					t.Errorf("%s: scales on %s utilization, but container %s of %s requests no %s", where, m.Resource.Name, c.Name, d.Name, m.Resource.Name)
				}
			}
		}
	}
	for _, pm := range s.monitors {
		where := "PodMonitor " + pm.Name
		pods := s.selected(t, where, &pm.Spec.Selector)
		for _, ep := range pm.Spec.PodMetricsEndpoints {
			if ep.Port == nil {
				t.Errorf("%s: an endpoint without a port name", where)
				continue
			}
			for _, pod := range pods {
				if !hasPort(pod.spec, intstr.FromString(*ep.Port)) {
					t.Errorf("%s: port %s is not declared by the pods of %s", where, *ep.Port, pod.name)
				}
			}
		}
	}
	for _, pod := range s.pods {
		checkPodRefs(t, s, pod)
	}
	for _, o := range s.isvcs {
		checkISVC(t, s, o)
	}
}

// checkPodRefs checks a pod's probes, volumes and Secret references.
func checkPodRefs(t *testing.T, s *set, pod podOwner) {
	t.Helper()
	vols := map[string]bool{}
	for _, v := range pod.spec.Volumes {
		vols[v.Name] = true
		if v.ConfigMap != nil && s.configs[v.ConfigMap.Name] == nil {
			t.Errorf("%s: volume %s mounts ConfigMap %s, which these manifests lack", pod.where, v.Name, v.ConfigMap.Name)
		}
	}
	for _, c := range pod.spec.Containers {
		where := fmt.Sprintf("%s: container %s", pod.where, c.Name)
		for _, m := range c.VolumeMounts {
			if !vols[m.Name] {
				t.Errorf("%s: mounts volume %s, which the pod lacks", where, m.Name)
			}
		}
		for _, pr := range []*corev1.Probe{c.StartupProbe, c.ReadinessProbe, c.LivenessProbe} {
			if pr != nil && pr.HTTPGet != nil && !hasPort(corev1.PodSpec{Containers: []corev1.Container{c}}, pr.HTTPGet.Port) {
				t.Errorf("%s: a probe of %s uses port %s, which the container does not declare", where, pr.HTTPGet.Path, portText(pr.HTTPGet.Port))
			}
		}
		for _, e := range c.Env {
			if e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil {
				continue
			}
			ref := e.ValueFrom.SecretKeyRef
			sec := s.secrets[ref.Name]
			if sec == nil {
				t.Errorf("%s: %s reads Secret %s, which these manifests lack", where, e.Name, ref.Name)
				continue
			}
			// The example Secret shows every key, the optional ones too.
			if _, ok := sec.Data[ref.Key]; !ok {
				t.Errorf("%s: %s reads key %s of Secret %s, which has %s", where, e.Name, ref.Key, ref.Name, strings.Join(secretKeys(sec), ", "))
			}
		}
	}
}

func secretKeys(s *corev1.Secret) []string {
	var out []string
	for k := range s.Data {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// checkISVC checks that an InferenceService's runtime exists and supports
// its model format and protocol.
func checkISVC(t *testing.T, s *set, o object) {
	t.Helper()
	var isvc struct {
		Spec struct {
			Predictor struct {
				Model struct {
					ModelFormat struct {
						Name string `json:"name"`
					} `json:"modelFormat"`
					Runtime         string `json:"runtime"`
					ProtocolVersion string `json:"protocolVersion"`
				} `json:"model"`
			} `json:"predictor"`
		} `json:"spec"`
	}
	b, _ := json.Marshal(o.obj)
	json.Unmarshal(b, &isvc)
	m := isvc.Spec.Predictor.Model
	rt, ok := s.runtimes[m.Runtime]
	if !ok {
		t.Errorf("%s: runtime %q is not a ServingRuntime of these manifests", o.where, m.Runtime)
		return
	}
	var spec struct {
		Formats []struct {
			Name string `json:"name"`
		} `json:"supportedModelFormats"`
		Protocols []string `json:"protocolVersions"`
	}
	b, _ = json.Marshal(rt)
	json.Unmarshal(b, &spec)
	if !slices.ContainsFunc(spec.Formats, func(f struct {
		Name string `json:"name"`
	}) bool {
		return f.Name == m.ModelFormat.Name
	}) {
		t.Errorf("%s: model format %q is not one runtime %s supports", o.where, m.ModelFormat.Name, m.Runtime)
	}
	if m.ProtocolVersion != "v2" || !slices.Contains(spec.Protocols, m.ProtocolVersion) {
		t.Errorf("%s: protocol %q: want v2 (the Open Inference Protocol), supported by runtime %s", o.where, m.ProtocolVersion, m.Runtime)
	}
}

// TestReferences checks the references within the example overlay (which
// holds the tracking and scoring bases and the Secret) and the KServe base.
func TestReferences(t *testing.T) {
	for _, dir := range []string{"overlays/example", "kserve"} {
		t.Run(dir, func(t *testing.T) {
			objs := build(t, root+"/"+dir)
			s := decodeSet(t, objs)
			checkRefs(t, s)
			if dir != "overlays/example" {
				return
			}
			// The overlay's images reach every container.
			for _, pod := range s.pods {
				for _, c := range pod.spec.Containers {
					if !strings.Contains(c.Image, "/") {
						t.Errorf("%s: container %s keeps the base's image %s: the overlay's images do not reach it", pod.where, c.Name, c.Image)
					}
				}
			}
			var ns string
			for _, o := range objs {
				if o.kind() == "Namespace" {
					ns = o.name()
				}
			}
			for _, o := range objs {
				m := o.obj["metadata"].(map[string]any)
				if got, _ := m["namespace"].(string); o.kind() != "Namespace" && (got == "" || got != ns) {
					t.Errorf("%s: namespace %q, want the overlay's Namespace %q", o.where, got, ns)
				}
			}
		})
	}
}

// TestOverlayImagesReachKServe checks what docs/kubernetes.md says: with
// ../../kserve in place of ../../scoring, the example overlay's images
// apply to the ServingRuntime as they do to the Deployment.
func TestOverlayImagesReachKServe(t *testing.T) {
	b, err := os.ReadFile(root + "/overlays/example/kustomization.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var k kustomization
	if err := yaml.UnmarshalStrict(b, &k); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, o := range build(t, root+"/kserve") {
		for _, im := range k.Images {
			setImages(o.obj, im)
		}
		if o.kind() != "ServingRuntime" {
			continue
		}
		var spec struct {
			Containers []corev1.Container `json:"containers"`
		}
		mustJSON(t, o.where, o.obj["spec"].(map[string]any)["containers"], &spec.Containers)
		for _, c := range spec.Containers {
			n++
			if !strings.Contains(c.Image, "/") {
				t.Errorf("%s: container %s keeps image %s under the example overlay's images", o.where, c.Name, c.Image)
			}
		}
	}
	if n == 0 {
		t.Errorf("no ServingRuntime containers found")
	}
}
