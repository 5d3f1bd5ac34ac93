"""The offline plan: what `pulumi up` would ask the engine to do, with no cloud and no credentials.

`python -m components.plan` (see cli.py). Modules: engine (the mock monitor and provider answers),
runner (stack config and the program run), render (JSON document and text tree), cli (arguments,
exit codes). Nothing here is imported by the program itself; the package imports nothing at import
time so that `__main__` can start the offline key before the SDK loads.
"""
