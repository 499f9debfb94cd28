"""Deploy the platform chart into a run's namespace: shared by the kind and cluster backends.

``tools`` runs external commands with a deadline, ``helm`` hides whether the helm binary or
helm-python-sdk installs, ``release`` says what to install for a tier (chart, values file,
profile, platform image) and observes the namespace, ``readiness`` waits for the platform
with fail-fast, and ``platform`` ties them into the install/uninstall of one run's release.
Nothing here knows how the cluster came to be (Kind or an existing cluster).
"""
