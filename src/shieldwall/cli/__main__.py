"""`python -m shieldwall.cli`: the same as the `shieldwall` console script."""

import sys

from shieldwall.cli import main

sys.exit(main())
