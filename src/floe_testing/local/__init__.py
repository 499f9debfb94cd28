"""Building blocks of the local backend: supervised processes and the Dagster instance."""
