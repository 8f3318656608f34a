"""Benchmarks: figures printed as tables and JSON, never timed tests."""
