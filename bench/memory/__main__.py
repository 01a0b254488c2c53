"""`python -m bench.memory`: the harness, or (with --runner) one layout's runner."""

import sys

from .harness import main

sys.exit(main())
