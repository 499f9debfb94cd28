"""The run itself: plan it (tier, profile, backend, suite, results) before anything starts, then
drive its phases through a backend."""
