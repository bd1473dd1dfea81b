"""Benchmarks: scripts that print numbers and ratios (not tests)."""
