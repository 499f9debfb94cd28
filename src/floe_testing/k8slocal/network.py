"""The node's network: kernel switches, this project's own guard chains, and their removal.

Pods sit on a Linux bridge (br_netfilter on, so bridged traffic passes iptables, which
kube-proxy and kube-router need). Two chains of ours make pod traffic independent of
whatever else runs here and keep it on this machine:

* ``FLOE-K8S-FORWARD`` (filter, appended to FORWARD, so kube-router's policy chains run
  first) accepts pod traffic even when Docker has set FORWARD's policy to DROP;
* ``FLOE-K8S-EGRESS`` (mangle FORWARD, which runs after Service DNAT) drops new
  connections from pods to anything but pods: nothing a pod sends leaves the machine;
* ``FLOE-K8S-SERVICES`` (filter OUTPUT, which runs after kube-proxy's DNAT) rejects what the
  machine itself still sends to a Service address: one kube-proxy has not translated yet
  (a Service seconds old). In a real cluster that packet finds no route; here something
  beyond the machine answers any address on 443 (with 404s), and a client such as the API
  server's aggregator would keep that HTTP/2 connection for good.

Removal deletes only chains named by the cluster's components (``KUBE-*``, ``CNI-*``,
kube-router's) and ours, the jumps to them, kube-router's ipsets, the bridge and its veths.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from floe_testing.core.errors import UsageError
from floe_testing.k8slocal.layout import Network
from floe_testing.k8slocal.preflight import unfit
from floe_testing.tools.command import Result, Tool, which

FORWARD_CHAIN = "FLOE-K8S-FORWARD"
EGRESS_CHAIN = "FLOE-K8S-EGRESS"
SERVICES_CHAIN = "FLOE-K8S-SERVICES"
OUR_CHAINS = re.compile(r"^(KUBE-|CNI-|FLOE-K8S-)")
SYSCTLS = {
    "net/ipv4/ip_forward": "1",
    "net/bridge/bridge-nf-call-iptables": "1",
    "net/bridge/bridge-nf-call-ip6tables": "1",
}


COMMAND_TIMEOUT = 60.0


def _run(program: str, *args: str, check: bool = True, stdin: str | None = None) -> Result:
    """``ip``, ``iptables``, ``ipset`` and friends, through the one command runner."""
    tool = Tool(program, which(program) or program)
    data = stdin.encode() if stdin is not None else None
    return tool.run(args, timeout=COMMAND_TIMEOUT, check=check, stdin=data)


def enable_kernel_switches() -> list[str]:
    """Switch on forwarding and br_netfilter's iptables hooks; return the ones it changed."""
    changed = []
    for key, value in SYSCTLS.items():
        path = Path("/proc/sys") / key
        if not path.exists():
            raise unfit(
                f"{path} is missing: the kernel lacks br_netfilter or IP forwarding",
                "load br_netfilter (`modprobe br_netfilter`) on a kernel that has it",
            )
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
    raise UsageError(
        "no IPv4 default route: cannot choose the node address",
        "set FLOE_K8S_LOCAL_NODE_IP to an address of this machine",
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
    _ensure_chain(
        "filter",
        SERVICES_CHAIN,
        [
            [
                "-d",
                net.service_cidr,
                *comment,
                "-j",
                "REJECT",
                "--reject-with",
                "icmp-port-unreachable",
            ]
        ],
        ["OUTPUT", "-j", SERVICES_CHAIN],
    )


def chains() -> list[str]:
    """Chains of ours and the components' that exist now (IPv4 and IPv6)."""
    found = []
    for tool in ("iptables", "ip6tables"):
        found += [
            f"{tool} {c}" for c in _removal_script(_run(f"{tool}-save", check=False).stdout)[1]
        ]
    return found


def ipsets() -> list[str]:
    names = _run("ipset", "list", "-n", check=False).stdout.split()
    return [n for n in names if n.startswith(("KUBE-", "kube-router", "inet6:KUBE-"))]


def link_exists(name: str) -> bool:
    return _run("ip", "link", "show", name, check=False).returncode == 0


def remove_chains() -> list[str]:
    """Delete our chains and the components' in every table, IPv4 and IPv6; return them.

    One ``iptables-restore --noflush`` per family: the jumps from built-in chains are
    deleted, then every chain of ours is flushed and removed, in one transaction.
    """
    removed: list[str] = []
    for tool in ("iptables", "ip6tables"):
        script, chains = _removal_script(_run(f"{tool}-save", check=False).stdout)
        if chains and _run_restore(tool, script):
            removed += [f"{tool} {chain}" for chain in chains]
    return removed


def _removal_script(saved: str) -> tuple[str, list[str]]:
    tables: dict[str, tuple[list[str], list[str]]] = {}
    table = ""
    for line in saved.splitlines():
        if line.startswith("*"):
            table = line[1:]
            tables[table] = ([], [])
        elif line.startswith(":") and OUR_CHAINS.match(line[1:]):
            tables[table][1].append(line[1:].split()[0])
        elif line.startswith("-A "):
            parts = line.split()
            target = parts[parts.index("-j") + 1] if "-j" in parts else ""
            if OUR_CHAINS.match(target) and not OUR_CHAINS.match(parts[1]):
                tables[table][0].append("-D " + line[3:])
    lines, chains = [], []
    for name, (jumps, ours) in tables.items():
        if not jumps and not ours:
            continue
        lines += [f"*{name}", *jumps, *(f"-F {c}" for c in ours), *(f"-X {c}" for c in ours)]
        lines.append("COMMIT")
        chains += [f"{name} {c}" for c in ours]
    return "\n".join(lines) + "\n", chains


def _run_restore(tool: str, script: str) -> bool:
    return _run(f"{tool}-restore", "--noflush", check=False, stdin=script).ok


def remove_ipsets() -> list[str]:
    """kube-router's ipsets (every name it makes starts with KUBE- or kube-router)."""
    ours = ipsets()
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
