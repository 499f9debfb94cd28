"""A real single-node Kubernetes on this machine, from upstream sources (``scripts/k8s-local``).

``up`` builds (once, into a version-keyed cache) Kubernetes, etcd, CoreDNS and kube-router
from the Go module proxy, then runs etcd, the control plane, containerd, the kubelet,
kube-proxy and kube-router as supervised host processes and CoreDNS as pods. ``load`` imports
Docker images into the node's containerd, ``down`` removes everything ``up`` made, ``status``
says what runs. Nothing here touches a process, container, chain or mount it did not create.
"""
