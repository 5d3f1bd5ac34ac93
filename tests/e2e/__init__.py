"""End-to-end test against a real subscription and a kind cluster (see test_e2e.py)."""
