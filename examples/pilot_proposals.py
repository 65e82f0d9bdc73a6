"""The pilot proposals on Socialstyrelsen's page, through all eight steps.

Three programme areas listed on the seed page (Kvinnosjukdomar och
förlossning and Nervsystemets sjukdomar, marked as pilots, and Psykisk
hälsa) each take one proposal from the NPO's proposal (step 1) to permits
(step 7) and a first follow-up and evaluation (step 8). NPO Reumatiska
sjukdomar's advisory-only competence-centre proposal is refused at the
decision, with the rule and its citation, and closed as not eligible.

Run it with ``make demo``, ``nhvflow demo [PATH]`` or
``python examples/pilot_proposals.py [PATH]``; it writes the log to
``demo.sqlite`` (or PATH) and prints an account. The story itself lives in
``nhvflow._demo`` so that the ``nhvflow demo`` command tells the same one.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import structlog

from nhvflow._demo import run

if __name__ == "__main__":
    # An application configures logging, a library never does. This demo is a
    # single writer on a file of its own, so it keeps only errors on screen.
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.ERROR))
    sys.exit(run(Path(sys.argv[1] if len(sys.argv) > 1 else "demo.sqlite")))
