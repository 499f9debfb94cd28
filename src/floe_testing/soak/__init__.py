"""Soak runs: one platform, the suite repeated for a duration, resource use sampled, drift found."""
