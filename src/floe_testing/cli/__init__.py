"""floe-test command line."""
