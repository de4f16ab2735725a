package check

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// dockerfile is what deploy/kubernetes/image/Dockerfile makes the image of
// the full weir binary do.
type dockerfile struct {
	entrypoint []string
	user       string
	expose     []string
}

func readDockerfile(t *testing.T) dockerfile {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "image", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	var d dockerfile
	for _, l := range strings.Split(string(b), "\n") {
		word, rest, _ := strings.Cut(strings.TrimSpace(l), " ")
		switch word {
		case "ENTRYPOINT":
			if err := jsonUnmarshal(rest, &d.entrypoint); err != nil {
				t.Fatalf("Dockerfile ENTRYPOINT %s: %v", rest, err)
			}
		case "USER":
			d.user = rest
		case "EXPOSE":
			d.expose = strings.Fields(rest)
		}
	}
	return d
}

// launch is how a container of the manifests starts weir: which build, the
// arguments after the binary, the user and the ports the image declares.
type launch struct {
	bin    string
	model  bool // a model image's serving build, else the full weir
	args   []string
	user   string
	expose []string
}

// launchOf resolves a container's command against its image: the full
// weir image (image "weir", deploy/kubernetes/image) or a model image
// (image "weir-model", from weir models build-image).
func launchOf(t *testing.T, where string, c corev1.Container) launch {
	t.Helper()
	full, serve := binaries(t)
	var entry []string
	var l launch
	switch imageName(c.Image) {
	case "weir":
		d := readDockerfile(t)
		entry, l.bin, l.user, l.expose = d.entrypoint, full, d.user, d.expose
	case "weir-model":
		_, cfg := modelImage(t)
		entry, l.bin, l.user, l.model = append(cfg.Entrypoint, cfg.Cmd...), serve, cfg.User, true
		for p := range cfg.ExposedPorts {
			l.expose = append(l.expose, p)
		}
	default:
		t.Fatalf("%s: image %s is neither weir nor weir-model", where, c.Image)
	}
	if len(c.Command) > 0 {
		entry = c.Command
	}
	if len(entry) == 0 || entry[0] != "/weir" {
		t.Fatalf("%s: the container runs %q, not /weir", where, entry)
	}
	l.args = append(slices.Clone(entry[1:]), c.Args...)
	return l
}

// flagValue returns the value of a flag in args (--name=v, --name v or
// -s v), and whether it is there.
func flagValue(args []string, names ...string) (string, bool) {
	for i, a := range args {
		for _, n := range names {
			if v, ok := strings.CutPrefix(a, n+"="); ok {
				return v, true
			}
			if a == n && i+1 < len(args) {
				return args[i+1], true
			}
		}
	}
	return "", false
}

// setFlag replaces a flag's value in args.
func setFlag(args []string, value string, names ...string) []string {
	out := slices.Clone(args)
	for i, a := range out {
		for _, n := range names {
			if strings.HasPrefix(a, n+"=") {
				out[i] = n + "=" + value
			} else if a == n && i+1 < len(out) {
				out[i+1] = value
			}
		}
	}
	return out
}

// kserveArgs fills in the templates KServe expands in a runtime's args.
func kserveArgs(args []string, name string) []string {
	out := slices.Clone(args)
	for i, a := range out {
		out[i] = strings.ReplaceAll(a, "{{.Name}}", name)
	}
	return out
}

var envRef = regexp.MustCompile(`\$\(([A-Za-z_][A-Za-z0-9_]*)\)`)

// expandEnv expands $(VAR) in args as Kubernetes does, with a pod's
// address as 127.0.0.1 (where the test runs weir), and returns the names
// of the variables weir itself must read: those no argument uses.
func expandEnv(t *testing.T, where string, args []string, c corev1.Container) ([]string, []string) {
	t.Helper()
	vals := map[string]string{}
	for _, e := range c.Env {
		switch {
		case e.ValueFrom != nil && e.ValueFrom.FieldRef != nil && e.ValueFrom.FieldRef.FieldPath == "status.podIP":
			vals[e.Name] = "127.0.0.1"
		case e.ValueFrom == nil:
			vals[e.Name] = e.Value
		}
	}
	used := map[string]bool{}
	out := slices.Clone(args)
	for i, a := range out {
		out[i] = envRef.ReplaceAllStringFunc(a, func(m string) string {
			name := envRef.FindStringSubmatch(m)[1]
			v, ok := vals[name]
			if !ok {
				t.Errorf("%s: argument %q uses $(%s), which the container's env does not define", where, a, name)
			}
			used[name] = true
			return v
		})
	}
	var env []string
	for _, e := range c.Env {
		if !used[e.Name] {
			env = append(env, e.Name)
		}
	}
	return out, env
}

var uidOf = regexp.MustCompile(`^(\d+)(:\d+)?$`)

// TestContainersRunWeir checks each container's command line and
// environment against the weir build its image holds, its ports and user
// against the image, and then starts that weir as the container would and
// checks that every probe path, the metrics path the PodMonitor scrapes and
// the gauge the HorizontalPodAutoscaler reads answer.
func TestContainersRunWeir(t *testing.T) {
	if testing.Short() {
		t.Skip("builds weir and a model image")
	}
	var hpaMetrics []string
	var podMonitorPaths []string
	for _, dir := range []string{"tracking", "scoring", "kserve"} {
		s := decodeSet(t, build(t, root+"/"+dir))
		for _, h := range s.hpas {
			for _, m := range h.Spec.Metrics {
				if m.Pods != nil {
					hpaMetrics = append(hpaMetrics, m.Pods.Metric.Name)
				}
			}
		}
		for _, pm := range s.monitors {
			for _, ep := range pm.Spec.PodMetricsEndpoints {
				podMonitorPaths = append(podMonitorPaths, ep.Path)
			}
		}
		for _, pod := range s.pods {
			for _, c := range pod.spec.Containers {
				where := fmt.Sprintf("%s: container %s", pod.where, c.Name)
				t.Run(dir+"/"+pod.name+"/"+c.Name, func(t *testing.T) {
					checkContainer(t, where, pod, c, hpaMetrics, podMonitorPaths)
				})
			}
		}
	}
	if len(hpaMetrics) == 0 || len(podMonitorPaths) == 0 {
		t.Errorf("no HPA Pods metric or PodMonitor path found to check")
	}
}

func checkContainer(t *testing.T, where string, pod podOwner, c corev1.Container, hpaMetrics, metricsPaths []string) {
	l := launchOf(t, where, c)
	args, env := expandEnv(t, where, kserveArgs(l.args, pod.name), c)
	checkCommand(t, where, l.bin, args, env)

	// The port weir listens on is the one the container declares and the
	// image exposes.
	port, ok := flagValue(args, "--port", "-p")
	if !ok {
		t.Fatalf("%s: no --port in %q", where, args)
	}
	for _, p := range c.Ports {
		if strconv.Itoa(int(p.ContainerPort)) != port {
			t.Errorf("%s: declares port %d, but weir listens on %s", where, p.ContainerPort, port)
		}
	}
	if !slices.Contains(l.expose, port+"/tcp") && !slices.Contains(l.expose, port) {
		t.Errorf("%s: the image exposes %s, not port %s", where, strings.Join(l.expose, ", "), port)
	}
	// The pod runs as the image's user.
	uid := runAsUser(pod.spec, c)
	m := uidOf.FindStringSubmatch(l.user)
	if uid == nil || m == nil || strconv.FormatInt(*uid, 10) != m[1] {
		t.Errorf("%s: runs as user %v, the image as %q", where, deref(uid), l.user)
	}

	// Start weir as the container would, on a loopback port.
	local := freePort(t)
	run := setFlag(args, "127.0.0.1", "--host")
	run = setFlag(run, strconv.Itoa(local), "--port", "-p")
	var probes []string
	for _, pr := range []*corev1.Probe{c.StartupProbe, c.ReadinessProbe, c.LivenessProbe} {
		if pr != nil && pr.HTTPGet != nil {
			probes = append(probes, pr.HTTPGet.Path)
			if pr.HTTPGet.Port.Type == intstr.Int && strconv.Itoa(pr.HTTPGet.Port.IntValue()) != port {
				t.Errorf("%s: probe %s on port %d, weir listens on %s", where, pr.HTTPGet.Path, pr.HTTPGet.Port.IntValue(), port)
			}
		}
	}
	if len(probes) == 0 {
		t.Errorf("%s: no HTTP probes", where)
		return
	}
	if l.model {
		model, _ := modelImage(t)
		run = setFlag(run, model, "-m", "--model-uri")
	} else {
		// The Secret's PostgreSQL and S3, here a local store.
		dir := t.TempDir()
		run = append(run, "--backend-store-uri", "sqlite:///"+filepath.Join(dir, "weir.db"), "--artifacts-destination", filepath.Join(dir, "artifacts"))
	}
	base := serve(t, l.bin, run, local, probes[0])
	for _, p := range probes {
		if code, _ := get(t, base+p); code != 200 {
			t.Errorf("%s: probe %s answers %d, want 200", where, p, code)
		}
	}
	if l.model {
		for _, p := range metricsPaths {
			code, body := get(t, base+p)
			if code != 200 {
				t.Errorf("%s: the PodMonitor's path %s answers %d", where, p, code)
			}
			for _, name := range hpaMetrics {
				if !strings.Contains(body, "# TYPE "+name+" gauge\n") {
					t.Errorf("%s: %s has no gauge %s, which the HorizontalPodAutoscaler reads", where, p, name)
				}
			}
		}
		if name, ok := flagValue(args, "--name"); ok {
			if code, _ := get(t, base+"/v2/models/"+name+"/ready"); code != 200 {
				t.Errorf("%s: /v2/models/%s/ready answers %d: the Open Inference Protocol name is not the InferenceService's", where, name, code)
			}
		}
	}
}

func runAsUser(spec corev1.PodSpec, c corev1.Container) *int64 {
	if c.SecurityContext != nil && c.SecurityContext.RunAsUser != nil {
		return c.SecurityContext.RunAsUser
	}
	if spec.SecurityContext != nil {
		return spec.SecurityContext.RunAsUser
	}
	return nil
}

func deref(p *int64) any {
	if p == nil {
		return "(unset)"
	}
	return *p
}
