"""One thin adapter per external tool: ``command`` (run a program with a deadline), ``docker``,
``helm``, ``kind``, ``kube`` (the Kubernetes API and kubectl) and ``processes`` (supervised local
processes). Everything else reaches these tools through them, never through ``subprocess``.
"""
