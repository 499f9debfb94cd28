"""``python -m floe_testing.k8slocal``: what ``scripts/k8s-local`` runs."""

from floe_testing.k8slocal.cli import main

raise SystemExit(main())
