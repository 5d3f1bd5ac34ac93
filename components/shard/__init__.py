"""Sharding a fleet into many stacks of the same program (`python -m components.shard`, docs/scale.md).

A tool, like components.plan: the program (`__main__.py`, components/*) never imports it.
"""
