"""Tend's benchmarks: page weight, and throughput and latency against a bare Flask app.

Run with `make bench` or `.venv/bin/python -m bench.run`; see bench/README.md.
"""
