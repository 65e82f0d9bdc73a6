"""``python -m nhvflow._docs [--check] [ROOT]``: write (or check) the generated docs."""

import sys

from nhvflow._docs import main

sys.exit(main())
