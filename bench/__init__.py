"""Benchmarks: `python -m bench.<name>`, with their results written down in bench/README.md."""
