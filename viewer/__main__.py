"""``python -m viewer`` does the same as ``hip-viewer``."""

import sys

from viewer.cli import main

sys.exit(main())
