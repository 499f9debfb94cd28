"""The cluster backend: an existing Kubernetes cluster reached through a kubeconfig."""
