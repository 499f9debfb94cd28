// Command coredns is CoreDNS with only the plugins a single-node test cluster uses: cluster
// DNS for Services and Pods, health and readiness endpoints, a cache. It leaves out every
// cloud provider plugin (and `forward`: the cluster answers only its own names, so a pod's
// query never leaves this machine). CoreDNS supports building a custom server this way: a
// main package that imports coremain and the chosen plugins and sets the directive order.
package main

import (
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/coremain"

	_ "github.com/coredns/coredns/plugin/cache"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/health"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/loadbalance"
	_ "github.com/coredns/coredns/plugin/log"
	_ "github.com/coredns/coredns/plugin/ready"
	_ "github.com/coredns/coredns/plugin/reload"
)

// The order in which plugins see a query; it follows CoreDNS's own relative order.
var directives = []string{
	"reload",
	"ready",
	"health",
	"errors",
	"log",
	"loadbalance",
	"cache",
	"kubernetes",
}

func init() {
	dnsserver.Directives = directives
}

func main() {
	coremain.Run()
}
