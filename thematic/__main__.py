"""Allow ``python -m thematic``."""

import sys

from thematic.cli import main

sys.exit(main())
