"""Writing a run's results: Markdown report, self-contained HTML report, per-pair files."""
