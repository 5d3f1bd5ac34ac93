"""`python -m components.plan`: the offline plan CLI (see cli.py)."""

import sys

from components.plan.cli import main, tune_gc_for_one_run

tune_gc_for_one_run()
sys.exit(main())
