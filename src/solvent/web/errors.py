"""The API's one mapping from the error tree (:mod:`solvent.protocol.errors`) to HTTP.

::

    InputError                    400   the request is malformed (an id, a level, an index)
    NotFound                      404   an unknown snapshot, id, file, endpoint; no reserves
    FormatError                   500   the served files do not parse  } the operator's fault, not
    VerificationError             500   the served data does not check } the customer's: code only
    any other SolventError        500   code only
    anything else                 500   no detail at all

Every body is ``{"error": code, "message": ..., "evidence": {...}}`` (the shape the page
reads). A client's error (4xx) carries the error's own message and evidence: they say
what is wrong with the request. A server-side failure says only its code: messages of
failures on the server can name server paths; they go to the server's log instead
(once, with a traceback only for an error that is not solvent's own).
"""

from __future__ import annotations

import json
import logging

from solvent.protocol.errors import InputError, NotFound, SolventError

__all__ = ["SERVER_MESSAGE", "error_body", "to_http"]

log = logging.getLogger("solvent.web")

#: The client's errors, by status; the first matching class wins.
CLIENT_ERRORS: tuple[tuple[type[SolventError], int], ...] = ((InputError, 400), (NotFound, 404))
SERVER_MESSAGE = "the server could not answer this request; its log says why"


def error_body(code: str, message: str, evidence: dict[str, str] | None = None) -> bytes:
    """The one JSON shape of every API error: ``{"error", "message", "evidence"}``."""
    return json.dumps({"error": code, "message": message, "evidence": evidence or {}}).encode("utf-8")


def to_http(e: BaseException) -> tuple[int, bytes]:
    """The status and JSON body that answer a request which failed with ``e``."""
    if isinstance(e, SolventError):
        for kind, status in CLIENT_ERRORS:
            if isinstance(e, kind):
                return status, error_body(e.code, e.message, e.evidence)
        log.error("request failed: %s (%s)", e.message, e.code)
        return 500, error_body(e.code, SERVER_MESSAGE)
    log.error("request failed", exc_info=e)
    return 500, error_body("internal", SERVER_MESSAGE)
