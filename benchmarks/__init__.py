"""nhvflow's benchmarks: every figure a ratio against a baseline measured in
the same run (raw ``sqlite3``, ``transitions`` itself, the ``eventsourcing``
library), with the targets of issue 17. Run ``make bench`` (or
``python -m benchmarks --help``); ``benchmarks/README.md`` explains each
figure and records the profiling that shaped the hot path.
"""
