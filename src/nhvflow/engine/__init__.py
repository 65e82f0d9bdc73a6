"""The engine: :class:`Registry`, the public face of a log
(:mod:`nhvflow.engine._registry`), and :func:`open_registry`
(``nhvflow.open``, :mod:`nhvflow.engine._open`). Every step, from every entry
point, goes through the one pipeline of :mod:`nhvflow.engine._pipeline` (its
order is stated there, once), and every event is folded by the one fold of
:mod:`nhvflow.engine._fold`.

.. versionadded:: 0.1
"""

from nhvflow.engine._open import open_registry
from nhvflow.engine._registry import Registry
from nhvflow.engine._request import MAX_PAYLOAD_BYTES

__all__ = ["MAX_PAYLOAD_BYTES", "Registry", "open_registry"]
