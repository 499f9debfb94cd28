"""The node's network: kernel switches, this project's own guard chains, and their removal.

Pods sit on a Linux bridge (br_netfilter on, so bridged traffic passes iptables, which
kube-proxy and kube-router need). Two chains of ours make pod traffic independent of
whatever else runs here and keep it on this machine:

* ``FLOE-K8S-FORWARD`` (filter, appended to FORWARD, so kube-router's policy chains run
  first) accepts pod traffic even when Docker has set FORWARD's policy to DROP;
* ``FLOE-K8S-EGRESS`` (mangle FORWARD, which runs after Service DNAT) drops new
  connections from pods to anything but pods: nothing a pod sends leaves the machine.

Removal deletes only chains named by the cluster's components (``KUBE-*``, ``CNI-*``,
kube-router's) and ours, the jumps to them, kube-router's ipsets, the bridge and its veths.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from floe_testing.k8slocal.layout import Network

FORWARD_CHAIN = "FLOE-K8S-FORWARD"
EGRESS_CHAIN = "FLOE-K8S-EGRESS"
OUR_CHAINS = re.compile(r"^(KUBE-|CNI-|FLOE-K8S-)")
SYSCTLS = {
    "net/ipv4/ip_forward": "1",
    "net/bridge/bridge-nf-call-iptables": "1",
    "net/bridge/bridge-nf-call-ip6tables": "1",
}


def _run(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), check=check, capture_output=True, text=True)


def enable_kernel_switches() -> list[str]:
    """Switch on forwarding and br_netfilter's iptables hooks; return the ones it changed."""
    changed = []
    for key, value in SYSCTLS.items():
        path = Path("/proc/sys") / key
        if not path.exists():
            raise RuntimeError(f"{path} is missing: the kernel lacks br_netfilter or IP forwarding")
        if path.read_text().strip() != value:
            path.write_text(value)
            changed.append(key.replace("/", "."))
    return changed


def node_ip() -> str:
    """The IPv4 address of the interface holding the default route (the node's InternalIP)."""
    routes = json.loads(_run("ip", "-4", "-j", "route", "show", "default").stdout or "[]")
    devices = [r["dev"] for r in routes if "dev" in r]
    for device in devices:
        addrs = json.loads(_run("ip", "-4", "-j", "addr", "show", "dev", device).stdout or "[]")
        for link in addrs:
            for info in link.get("addr_info", []):
                if info.get("scope") == "global":
                    return str(info["local"])
    raise RuntimeError(
        "no IPv4 default route: cannot choose the node address "
        "(set FLOE_K8S_LOCAL_NODE_IP to an address of this machine)"
    )


def _ensure_chain(table: str, chain: str, rules: list[list[str]], hook: list[str]) -> None:
    if _run("iptables", "-t", table, "-n", "-L", chain, check=False).returncode != 0:
        _run("iptables", "-t", table, "-N", chain)
    _run("iptables", "-t", table, "-F", chain)
    for rule in rules:
        _run("iptables", "-t", table, "-A", chain, *rule)
    if _run("iptables", "-t", table, "-C", *hook, check=False).returncode != 0:
        _run("iptables", "-t", table, "-A", *hook)


def install_guard_chains(net: Network) -> None:
    pods = net.pod_cidr
    comment = ["-m", "comment", "--comment", "floe-k8s-local"]
    _ensure_chain(
        "filter",
        FORWARD_CHAIN,
        [
            ["-s", pods, *comment, "-j", "ACCEPT"],
            ["-d", pods, *comment, "-j", "ACCEPT"],
        ],
        ["FORWARD", "-j", FORWARD_CHAIN],
    )
    _ensure_chain(
        "mangle",
        EGRESS_CHAIN,
        [
            ["-m", "conntrack", "--ctstate", "ESTABLISHED,RELATED", "-j", "RETURN"],
            ["-s", pods, "-d", pods, "-j", "RETURN"],
            ["-s", pods, *comment, "-j", "DROP"],
        ],
        ["FORWARD", "-j", EGRESS_CHAIN],
    )


def remove_chains() -> list[str]:
    """Delete our chains and the components' in every table, IPv4 and IPv6; return them."""
    removed: list[str] = []
    for tool in ("iptables", "ip6tables"):
        save = _run(f"{tool}-save", check=False).stdout
        table = ""
        chains: dict[str, list[str]] = {}
        jumps: list[tuple[str, list[str]]] = []
        for line in save.splitlines():
            if line.startswith("*"):
                table = line[1:]
                chains[table] = []
            elif line.startswith(":") and OUR_CHAINS.match(line[1:]):
                chains[table].append(line[1:].split()[0])
            elif line.startswith("-A "):
                parts = line.split()
                target = parts[parts.index("-j") + 1] if "-j" in parts else ""
                if OUR_CHAINS.match(target) and not OUR_CHAINS.match(parts[1]):
                    jumps.append((table, parts[1:]))
        for table, rule in jumps:
            _run(tool, "-t", table, "-D", *_unquote(rule), check=False)
        for table, names in chains.items():
            for name in names:
                _run(tool, "-t", table, "-F", name, check=False)
            for name in names:
                if _run(tool, "-t", table, "-X", name, check=False).returncode == 0:
                    removed.append(f"{tool} {table} {name}")
    return removed


def _unquote(rule: list[str]) -> list[str]:
    """iptables-save quotes comments; rejoin the split pieces for ``-D``."""
    joined, out = " ".join(rule), []
    for piece in re.findall(r'"[^"]*"|\S+', joined):
        out.append(piece[1:-1] if piece.startswith('"') else piece)
    return out


def remove_ipsets() -> list[str]:
    """kube-router's ipsets (every name it makes starts with KUBE- or kube-router)."""
    names = _run("ipset", "list", "-n", check=False).stdout.split()
    ours = [n for n in names if n.startswith(("KUBE-", "kube-router", "inet6:KUBE-"))]
    for name in ours:
        _run("ipset", "destroy", name, check=False)
    return ours


def remove_bridge(net: Network) -> list[str]:
    """The bridge and any veth still enslaved to it."""
    removed = []
    links = json.loads(
        _run("ip", "-j", "link", "show", "master", net.bridge, check=False).stdout or "[]"
    )
    for link in links:
        if _run("ip", "link", "del", link["ifname"], check=False).returncode == 0:
            removed.append(link["ifname"])
    if _run("ip", "link", "show", net.bridge, check=False).returncode == 0:
        _run("ip", "link", "del", net.bridge, check=False)
        removed.append(net.bridge)
    return removed
