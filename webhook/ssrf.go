package webhook

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// errPrivatePeer is returned when a delivery would connect to an address
// that is not public.
var errPrivatePeer = errors.New("webhook: receiver address is not public")

// newTransport returns the transport of NewDispatcher's client. It checks
// the address each connection actually dials, after DNS resolution, so a
// webhook URL cannot be used to reach the server's own network (cloud
// metadata, internal services), not even by a name that resolves
// differently later. It uses no proxy: through a proxy the dialled address
// would be the proxy's.
func (d *Dispatcher) newTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil
	dialer := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second,
		Control: func(network, address string, _ syscall.RawConn) error {
			if d.AllowPrivateNetworks {
				return nil
			}
			return checkPublic(address)
		}}
	t.DialContext = dialer.DialContext
	return t
}

// checkPublic refuses loopback, private, link-local, multicast and
// unspecified addresses.
func checkPublic(address string) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: %q", errPrivatePeer, address)
	}
	ip := ap.Addr().Unmap()
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() || isSharedOrReserved(ip) {
		return fmt.Errorf("%w: %s (set AllowPrivateNetworks to deliver to private receivers)", errPrivatePeer, ip)
	}
	return nil
}

// reservedPrefixes are ranges that are neither private nor public in
// netip's sense but must not be reached either.
var reservedPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),     // "this network"
	netip.MustParsePrefix("100.64.0.0/10"), // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),  // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"), // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),   // reserved, broadcast
	netip.MustParsePrefix("64:ff9b::/96"),  // NAT64, which maps IPv4 (private ones too)
}

func isSharedOrReserved(ip netip.Addr) bool {
	for _, p := range reservedPrefixes {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}
