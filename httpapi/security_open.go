package httpapi

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"

	"github.com/weir-ml/weir/artifact"
)

// openSecurity prepares what Open needs beyond a listener: the Host
// allowlist for the address ln is bound to, the CORS origins, the memory
// budget, the TLS certificate, and the removal of upload temp files a crash
// left in a local artifact directory.
func (s *Server) openSecurity(ln net.Listener) (*tls.Config, error) {
	configured, _, _ := net.SplitHostPort(s.Addr)
	var bound net.IP
	if a, ok := ln.Addr().(*net.TCPAddr); ok {
		bound = a.IP
	}
	s.configureHosts(configured, bound)
	s.budget = &budget{max: s.MaxInFlightBytes}
	if dir, ok := s.Artifacts.(*artifact.Dir); ok {
		s.removeUploadTemps(dir.Root)
	}
	if s.TLSCertFile == "" && s.TLSKeyFile == "" {
		return nil, nil
	}
	if s.TLSCertFile == "" || s.TLSKeyFile == "" {
		return nil, errors.New("httpapi: TLS needs both a certificate file and a key file")
	}
	cert, err := tls.LoadX509KeyPair(s.TLSCertFile, s.TLSKeyFile)
	if err != nil {
		return nil, fmt.Errorf("httpapi: TLS certificate %s and key %s: %w", s.TLSCertFile, s.TLSKeyFile, err)
	}
	// h2 first: net/http serves HTTP/2 to clients that offer it.
	return &tls.Config{
		Certificates: []tls.Certificate{cert},
		MinVersion:   tls.VersionTLS12,
		NextProtos:   []string{"h2", "http/1.1"},
	}, nil
}

// configureHosts compiles AllowedHosts (or the defaults for the address)
// and CORSAllowedOrigins, and turns the Host check on.
func (s *Server) configureHosts(configured string, bound net.IP) {
	list := s.AllowedHosts
	if len(list) == 0 {
		list = DefaultAllowedHosts(configured, bound)
	} else {
		// Hosts the operator named may also be the Origin of pages that
		// change state, as when a proxy in front rewrites Host.
		s.listedHosts = nil
		for _, h := range list {
			if h = strings.TrimSpace(h); h != "" && h != "*" {
				s.listedHosts = append(s.listedHosts, parseHostPattern(h))
			}
		}
	}
	s.hosts = compileHosts(list)
	s.hostsOn = true
	s.origins = compileOrigins(s.CORSAllowedOrigins)
}

// removeUploadTemps deletes the .upload-* files that uploads cut by a crash
// left under root: an upload writes one beside its destination and renames
// it when complete, so at start none belongs to a live upload of this
// server. Symbolic links are not followed.
func (s *Server) removeUploadTemps(root string) {
	var n int
	var size int64
	filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() || !strings.HasPrefix(d.Name(), ".upload-") {
			return nil
		}
		info, err := d.Info()
		if err == nil && os.Remove(path) == nil {
			n++
			size += info.Size()
		}
		return nil
	})
	if n > 0 {
		s.logger().Info("removed upload temp files left by an earlier crash", "files", n, "bytes", size, "root", root)
	}
}
