"""`python -m components.shard`: see cli.py."""

import sys

from components.entry import dependencies_missing, run_to_a_pipe

try:
    from components.shard.cli import main
except ModuleNotFoundError as error:
    sys.exit(dependencies_missing("components.shard", error))

sys.exit(run_to_a_pipe(main))
