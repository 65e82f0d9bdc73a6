"""The chain hash of one event: SHA-256 of the previous event's hash
followed by the event's canonical encoding. Every event nhvflow reads back is
checked against it (:func:`~nhvflow.store._interface.stored_event`), and
:class:`~nhvflow.store._chain.ChainCheck` walks the whole chain with it; the
recipe is documented in ``docs/log-format.md``.
"""

from __future__ import annotations

import hashlib

from nhvflow.store._json import canonical

__all__ = ["chain_hash"]


def chain_hash(
    prev_hash: str,
    *,
    position: int,
    stream_id: str,
    version: int,
    type: str,
    schema_version: int,
    actor: str,
    payload: str,
    occurred_at: str,
    recorded_at: str,
    idempotency_key: str | None,
    request_hash: str | None,
) -> str:
    """SHA-256 of the previous hash followed by the event's canonical encoding.

    ``actor`` and ``payload`` are the stored JSON texts. The recipe is
    documented in ``docs/log-format.md``.
    """
    fields = [
        position,
        stream_id,
        version,
        type,
        schema_version,
        actor,
        payload,
        occurred_at,
        recorded_at,
        idempotency_key,
        request_hash,
    ]
    # canonical() of a list of scalars is json.dumps(fields, ensure_ascii=False,
    # separators=(",", ":")), the recipe's text, in one call of the encoder.
    body = canonical(fields)
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()
