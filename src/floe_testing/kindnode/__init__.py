"""Kind on machines without a registry: the engine's runc wrapper, the kind CLI built from the
Go module proxy, and a node image built here (our own Debian base, kind's own assembly)."""
