"""`python -m components.shard`: see cli.py."""

import sys

from components.shard.cli import main

sys.exit(main())
