"""What the host and the test side agree on: result frames in a pod's log, the shard split, the
platform gate and the endpoints file.

Both sides import this package; it imports neither side.
"""
