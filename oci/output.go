package oci

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/match"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/weir-ml/weir"
)

// SBOMFile is the name of the SPDX document WriteLayout writes into the
// layout directory, beside index.json, for tools that read files.
const SBOMFile = "sbom.spdx.json"

// refNameAnnotation names an image in an OCI layout's index.json.
const refNameAnnotation = "org.opencontainers.image.ref.name"

// WriteLayout writes the image and its SBOM artifact into the OCI image
// layout at dir, creating it if needed, and the SPDX document as
// dir/sbom.spdx.json. refName (e.g. "bank:1") tags the image in
// index.json; an image already tagged refName there is replaced.
func WriteLayout(dir, refName string, img *Image) (err error) {
	defer weir.Wrap(&err, "oci: writing OCI layout %s", dir)
	p, err := layout.FromPath(dir)
	if err != nil {
		if entries, rerr := os.ReadDir(dir); rerr == nil && len(entries) > 0 {
			return weir.Errorf(weir.ErrInvalidParameterValue, "%s exists and is not an OCI layout; give an empty or new directory", dir)
		}
		if p, err = layout.Write(dir, empty.Index); err != nil {
			return err
		}
	}
	if refName != "" {
		err = p.ReplaceImage(img.Image, match.Annotation(refNameAnnotation, refName),
			layout.WithAnnotations(map[string]string{refNameAnnotation: refName}))
	} else {
		err = p.AppendImage(img.Image)
	}
	if err != nil {
		return err
	}
	art, err := img.SBOMArtifact()
	if err != nil {
		return err
	}
	d, err := art.Digest()
	if err != nil {
		return err
	}
	if err := p.ReplaceImage(art, match.Digests(d)); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, SBOMFile), img.SBOM, 0o644)
}

// WriteTarball writes the image to path in the format `docker load` reads,
// tagged tag (e.g. "bank:1"). The tarball cannot hold the SBOM artifact.
func WriteTarball(path, tag string, img *Image) (err error) {
	defer weir.Wrap(&err, "oci: writing image tarball %s", path)
	t, err := name.NewTag(tag)
	if err != nil {
		return weir.Errorf(weir.ErrInvalidParameterValue, "image tag %q: %v", tag, err)
	}
	return tarball.WriteToFile(path, t, img.Image)
}

// Registry says how to reach a registry.
type Registry struct {
	// Insecure allows plain HTTP and unverified TLS. Without it every
	// registry but one on loopback or a private network is reached over
	// verified HTTPS (go-containerregistry's rule, which matches docker's).
	Insecure bool
	// Transport carries the requests; nil means http.DefaultTransport.
	Transport http.RoundTripper
	// Keychain finds credentials; nil means the docker config and
	// credential helpers of the user (authn.DefaultKeychain).
	Keychain authn.Keychain
}

func (r Registry) options(ctx context.Context) []remote.Option {
	kc := r.Keychain
	if kc == nil {
		kc = authn.DefaultKeychain
	}
	opts := []remote.Option{remote.WithContext(ctx), remote.WithAuthFromKeychain(kc)}
	if r.Transport != nil {
		opts = append(opts, remote.WithTransport(r.Transport))
	} else if r.Insecure {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.TLSClientConfig.InsecureSkipVerify = true //nolint:gosec // asked for with --insecure-registry
		opts = append(opts, remote.WithTransport(t))
	}
	return opts
}

func (r Registry) parse(ref string) (name.Reference, error) {
	var opts []name.Option
	if r.Insecure {
		opts = append(opts, name.Insecure)
	}
	parsed, err := name.ParseReference(ref, opts...)
	if err != nil {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "image reference %q: %v", ref, err)
	}
	return parsed, nil
}

// Push uploads the image to ref (e.g. registry.example.com/team/bank:1),
// then its SBOM artifact, and returns the image's digest reference.
// Registries without the referrers API get the referrers tag
// sha256-<digest> listing the artifact instead.
func (r Registry) Push(ctx context.Context, ref string, img *Image) (d name.Digest, err error) {
	defer weir.Wrap(&err, "oci: pushing %s", ref)
	tag, err := r.parse(ref)
	if err != nil {
		return name.Digest{}, err
	}
	opts := r.options(ctx)
	if err := remote.Write(tag, img.Image, opts...); err != nil {
		return name.Digest{}, err
	}
	h, err := img.Digest()
	if err != nil {
		return name.Digest{}, err
	}
	art, err := img.SBOMArtifact()
	if err != nil {
		return name.Digest{}, err
	}
	ah, err := art.Digest()
	if err != nil {
		return name.Digest{}, err
	}
	if err := remote.Write(tag.Context().Digest(ah.String()), art, opts...); err != nil {
		return name.Digest{}, fmt.Errorf("SBOM artifact: %w", err)
	}
	return tag.Context().Digest(h.String()), nil
}

// Pull fetches the image ref for platform p (choosing from an index).
func (r Registry) Pull(ctx context.Context, ref string, p Platform) (img v1.Image, err error) {
	defer weir.Wrap(&err, "oci: pulling %s", ref)
	parsed, err := r.parse(ref)
	if err != nil {
		return nil, err
	}
	return remote.Image(parsed, append(r.options(ctx), remote.WithPlatform(p))...)
}

// Referrers returns the manifests in the registry whose subject is the
// image at digest d, as an index (from the referrers API or its tag).
func (r Registry) Referrers(ctx context.Context, d name.Digest) (v1.ImageIndex, error) {
	if r.Insecure {
		var err error
		if d, err = name.NewDigest(d.String(), name.Insecure); err != nil {
			return nil, err
		}
	}
	return remote.Referrers(d, r.options(ctx)...)
}
