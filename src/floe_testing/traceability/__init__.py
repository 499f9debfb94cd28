"""Requirement traceability: which tests verify which requirements, and a gate for CI.

``requirements`` reads the checked-in list (``docs/requirements.yaml``), ``collect`` asks pytest
which tests exist and what they are marked with, ``report`` joins the two and decides the gate.
"""
