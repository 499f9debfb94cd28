"""Report a finished run: JUnit totals, per-phase timings, summary table and summary.json."""
