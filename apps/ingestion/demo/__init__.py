"""Deterministic demo traffic for seed_demo (see docs/demo-data.md)."""
