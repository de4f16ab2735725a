package httpapi

import (
	"net"
	"net/http"
	"strings"

	"github.com/weir-ml/weir"
)

// This file is the Host allowlist. A page on evil.example can make the
// user's browser resolve evil.example to 127.0.0.1 (DNS rebinding) and then
// talk to a server bound to loopback as if it were its own site: the only
// trace is the Host header, which still says evil.example. So every request
// whose Host is not an allowed name is refused before any handler runs.

// hostPattern is one entry of the allowlist: a host name or address, with
// '*' matching any run of characters, and a port ("" for any port).
type hostPattern struct {
	host string // lower case, IPv6 without brackets
	port string // "" matches any port; may hold '*'
}

// parseHostPattern reads "name", "name:port", "[v6]", "[v6]:port" or a bare
// IPv6 address. A pattern without a port matches the host on any port: the
// port plays no part in DNS rebinding, the name does.
func parseHostPattern(p string) hostPattern {
	p = strings.ToLower(strings.TrimSpace(p))
	if strings.HasPrefix(p, "[") {
		if end := strings.Index(p, "]"); end > 0 {
			hp := hostPattern{host: p[1:end]}
			if rest := p[end+1:]; strings.HasPrefix(rest, ":") {
				hp.port = rest[1:]
			}
			return hp
		}
	}
	if strings.Count(p, ":") == 1 {
		h, port, _ := strings.Cut(p, ":")
		return hostPattern{host: h, port: port}
	}
	return hostPattern{host: p}
}

// match reports whether the host and port of a request (port "" when the
// Host header had none) fit the pattern. A pattern of digits, dots and
// stars, such as 192.168.*, matches IPv4 addresses only: else an attacker's
// name 192.168.evil.example would fit it.
func (hp hostPattern) match(host, port string) bool {
	if !globMatch(hp.host, host) {
		return false
	}
	if strings.Trim(hp.host, "0123456789.*") == "" && net.ParseIP(host).To4() == nil {
		return false
	}
	return hp.port == "" || hp.port == "*" || globMatch(hp.port, port)
}

// globMatch matches s against a pattern in which '*' stands for any run of
// characters, possibly empty, and every other character for itself.
func globMatch(pattern, s string) bool {
	star := strings.IndexByte(pattern, '*')
	if star < 0 {
		return pattern == s
	}
	if !strings.HasPrefix(s, pattern[:star]) {
		return false
	}
	s, pattern = s[star:], pattern[star+1:]
	for i := 0; i <= len(s); i++ {
		if globMatch(pattern, s[i:]) {
			return true
		}
	}
	return false
}

// splitHost splits a Host header into a lower-case host name (IPv6 without
// brackets) and its port, "" when it has none.
func splitHost(hostport string) (host, port string) {
	hostport = strings.ToLower(hostport)
	if h, p, err := net.SplitHostPort(hostport); err == nil {
		return h, p
	}
	return strings.TrimSuffix(strings.TrimPrefix(hostport, "["), "]"), ""
}

// hostList is a compiled allowlist: any allows every host, privateIPs
// every address of a private range.
type hostList struct {
	any        bool
	privateIPs bool
	patterns   []hostPattern
}

func compileHosts(list []string) hostList {
	var hl hostList
	for _, p := range list {
		if strings.TrimSpace(p) == "" {
			continue
		}
		switch strings.TrimSpace(p) {
		case "*":
			hl.any = true
		case privateAddresses:
			hl.privateIPs = true
			continue
		}
		hl.patterns = append(hl.patterns, parseHostPattern(p))
	}
	return hl
}

// allows reports whether a Host header names an allowed host.
func (hl hostList) allows(hostport string) bool {
	if hl.any {
		return true
	}
	if hostport == "" {
		return false
	}
	host, port := splitHost(hostport)
	if hl.privateIPs {
		if ip := net.ParseIP(host); ip != nil && ip.IsPrivate() {
			return true
		}
	}
	for _, p := range hl.patterns {
		if p.match(host, port) {
			return true
		}
	}
	return false
}

// privateAddresses is the allowlist entry for every address of the
// private ranges (RFC 1918 and IPv6 unique local addresses), allowed by
// default when the server listens on every interface, as MLflow's server
// does. An address in the Host header cannot come from DNS rebinding,
// which needs a name.
const privateAddresses = "private-addresses"

// DefaultAllowedHosts returns the hosts a server allows when AllowedHosts is
// empty: the loopback names on any port, the name or address it was asked
// to listen on (configured, the host part of Addr) and the address it is
// bound to (bound); when that is every interface, also each interface's
// addresses and the private address ranges.
func DefaultAllowedHosts(configured string, bound net.IP) []string {
	hosts := []string{"localhost", "127.0.0.1", "[::1]"}
	if configured != "" {
		hosts = append(hosts, bracket(configured))
	}
	switch {
	case bound == nil:
	case bound.IsUnspecified():
		if addrs, err := net.InterfaceAddrs(); err == nil {
			for _, a := range addrs {
				if ipn, ok := a.(*net.IPNet); ok {
					hosts = append(hosts, bracket(ipn.IP.String()))
				}
			}
		}
		hosts = append(hosts, privateAddresses)
	default:
		hosts = append(hosts, bracket(bound.String()))
	}
	return hosts
}

func bracket(host string) string {
	if strings.Contains(host, ":") && !strings.HasPrefix(host, "[") {
		return "[" + host + "]"
	}
	return host
}

// hostExempt names the paths served whatever the Host: health probes from
// load balancers and orchestrators use addresses nobody lists, and these
// answers reveal nothing.
func hostExempt(path string) bool { return path == "/health" || path == "/version" }

// checkHost answers 403 PERMISSION_DENIED, and returns false, for a request
// whose Host header is not allowed.
func (s *Server) checkHost(w http.ResponseWriter, r *http.Request) bool {
	if s.hosts.allows(r.Host) || hostExempt(r.URL.Path) {
		return true
	}
	s.logger().Warn("refused a request for a host that is not allowed (DNS rebinding?)",
		"host", r.Host, "method", r.Method, "path", r.URL.Path, "remote", r.RemoteAddr)
	s.writeError(w, r, weir.Errorf(weir.ErrPermissionDenied,
		"Host %q is not an allowed host of this server: start it with --allowed-hosts to add it.", r.Host))
	return false
}
