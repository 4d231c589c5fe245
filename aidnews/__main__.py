"""``python -m aidnews``: the command line, as the ``aidnews`` script starts it."""

import sys

from aidnews.cli import main

sys.exit(main())
