"""``python -m dashboard.cli``: the ``hpnmr`` command."""

import sys

from . import main

sys.exit(main())
