"""Exceptions: every failure of the C library arrives as an :class:`XtalproofError` carrying the
library's sentence (``str(e)``) and code (``e.code``)."""
from __future__ import annotations


class XtalproofError(Exception):
    """A failure reported by libxtalproof: ``code`` is its negative XTP_E* code."""

    code = 0

    def __init__(self, message: str, code: int = 0):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class InvalidInputError(XtalproofError, ValueError):
    """Bad input: a file that does not read, a structure the hash refuses, a malformed proof."""
    code = -1


class NotFoundError(XtalproofError, LookupError):
    """A named thing does not exist: a model, a file."""
    code = -7


class ProofError(XtalproofError):
    """A cryptographic check did not hold: a proof that does not lead to its root."""
    code = -4


class UnsupportedError(XtalproofError):
    """Not available here."""
    code = -8


class NodeError(XtalproofError):
    """The node's API answered with an error: ``status`` is the HTTP status, the message the
    sentence of its ``{"error": ...}`` body."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


_BY_CODE = {-1: InvalidInputError, -4: ProofError, -7: NotFoundError, -8: UnsupportedError}


def from_code(code: int, message: str) -> XtalproofError:
    """The exception of a library code."""
    cls = _BY_CODE.get(code, XtalproofError)
    return cls(message, code)


def check(rc: int, err) -> None:
    """Raises the library's error when rc is not 0 (err: an ``xtp_error *``)."""
    if rc:
        from ._lib import ffi
        msg = ffi.string(err.message).decode("utf-8", "replace") or f"error {rc}"
        raise from_code(rc, msg)
