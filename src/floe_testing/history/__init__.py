"""The result history: one JSON Lines record per run and per soak iteration (``runs.jsonl``).

Fields are documented in ``record.py``; ``store.py`` appends under a file lock; ``baseline``
derives performance baselines; ``s3`` delivers and pulls records through an S3 bucket.
"""
