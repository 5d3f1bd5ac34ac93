"""`python -m components.plan`: the offline plan CLI (see cli.py), started lean for a one-shot process."""

import os
import sys

from components.plan import keygen

# Before the SDK is imported: the key the program's tls.PrivateKey asks for (rsa_bits=4096 in
# arc_cluster.py) is generated while the imports and the program run. Another size would be
# generated when asked for, only slower.
keygen.start(4096)

from components.entry import dependencies_missing  # noqa: E402

try:
    from components.plan.cli import main, tune_gc_for_one_run  # after the key has started
except ModuleNotFoundError as error:
    sys.exit(dependencies_missing("components.plan", error))

tune_gc_for_one_run()
code = main()
# A large plan leaves millions of SDK objects whose teardown at interpreter exit (a final full
# collection) took ~5 s at 500 clusters; the output is complete once flushed, so exit at once.
try:
    sys.stdout.flush()
    sys.stderr.flush()
except BrokenPipeError:  # a reader that stopped early (`| head`): nothing more to say
    code = code or 1
os._exit(code)
