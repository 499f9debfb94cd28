"""Clients the test suites use to talk to platform services through the contract."""
