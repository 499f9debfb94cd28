"""The in-pod runner: what a test Job's container executes (pytest with the shard plugin, the
JUnit framed into the log).

It imports nothing host-side (no backend, deploy, jobs, tools or CLI module): the runner image
needs only this, the protocol, the pytest plugin and what the suites import.
"""
