//go:build !weir_serve

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"go.yaml.in/yaml/v3"

	"github.com/weir-ml/weir/mlmodel"
	"github.com/weir-ml/weir/oci"
)

// checkPython refuses flags that do not fit how the model is served: a
// model served through its own Python needs a base with Python, and
// Python packages make sense only for such a model.
func (c *modelsBuildImageCmd) checkPython(p *preparedModel) error {
	if !p.python {
		if c.PythonPackages != "" {
			return usagef("--python-packages: the model (flavors %s) is scored natively by weir, without Python", flavorList(p.file))
		}
		return nil
	}
	if c.Base == "" {
		return usagef("the model (flavors %s) has no flavor weir scores natively, so its image serves it through its own Python "+
			"(mlflow.pyfunc) and needs a base image holding python3 with mlflow and the model's requirements: "+
			"pass --base (an OCI layout directory, a docker save tarball or a registry image), "+
			"or write a Dockerfile that installs them with weir models generate-dockerfile", flavorList(p.file))
	}
	return nil
}

// inspectPythonBase checks that the base can serve the model: python3 on
// its PATH and mlflow installed, or an error; requirements of the model
// that the base (with --python-packages) lacks or pins differently are
// reported on stderr, since the model may load without them.
func (c *modelsBuildImageCmd) inspectPythonBase(g *globals, p *preparedModel, base v1.Image) error {
	fmt.Fprintf(g.stderr, "python: reading the base's layers for python3, mlflow and the model's requirements\n")
	pb, err := oci.InspectPython(g.ctx, base)
	if err != nil {
		return err
	}
	if c.PythonPackages != "" {
		if err := pb.AddLocalPackages(c.PythonPackages); err != nil {
			return err
		}
	}
	reqs, err := os.ReadFile(filepath.Join(p.dir, mlmodel.RequirementsFile))
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	warnings, err := pb.Check(reqs)
	if err != nil {
		return usagef("--base %s: %v", c.Base, err)
	}
	fmt.Fprintf(g.stderr, "python: %s in the base, mlflow %s; the image serves the model with --env-manager local\n",
		pb.Python, firstNonEmpty(pb.Packages["mlflow"], pb.Packages["mlflow-skinny"]))
	if want := modelPythonVersion(p.dir); want != "" && pb.Version != "" && want != pb.Version {
		fmt.Fprintf(g.stderr, "warning: the model was saved with Python %s; the base has Python %s\n", want, pb.Version)
	}
	for _, w := range warnings {
		fmt.Fprintf(g.stderr, "warning: %s\n", w)
	}
	return nil
}

// modelPythonVersion returns the major.minor Python version the model's
// python_env.yaml asks for, or "" when it has none.
func modelPythonVersion(dir string) string {
	b, err := os.ReadFile(filepath.Join(dir, mlmodel.PythonEnvFile))
	if err != nil || len(b) > 1<<20 {
		return ""
	}
	var env struct {
		Python string `yaml:"python"`
	}
	if yaml.Unmarshal(b, &env) != nil {
		return ""
	}
	parts := strings.Split(strings.TrimSpace(env.Python), ".")
	if len(parts) < 2 || parts[0] == "" || parts[1] == "" {
		return ""
	}
	for _, s := range parts[:2] {
		if strings.Trim(s, "0123456789") != "" {
			return ""
		}
	}
	return parts[0] + "." + parts[1]
}

// flavorList names the model's flavors, sorted, for messages.
func flavorList(f *mlmodel.File) string {
	names := make([]string, 0, len(f.Flavors))
	for n := range f.Flavors {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
