"""The write token: who may submit entries and send updates."""

from __future__ import annotations

import hashlib
import hmac

from api.errors import TokenMissingError, TokenRefusedError


def check_token(configured: str | None, authorization: str | None) -> None:
    """Let a write through only with the configured bearer token.

    The comparison takes the same time whatever the given token is (both are hashed to the same
    length first, then compared in constant time), and neither token is ever logged or put in a
    message.

    Args:
        configured: the service's write token; None or empty switches writes off.
        authorization: the request's ``Authorization`` header, if any.

    Raises:
        TokenRefusedError: writes are off, or the token is wrong.
        TokenMissingError: no bearer token was given.

    >>> check_token("s3cret", "Bearer s3cret")
    >>> check_token("s3cret", "bearer  s3cret ")
    >>> check_token("s3cret", "Bearer guess")
    Traceback (most recent call last):
    api.errors.TokenRefusedError: The token is not valid for submissions.
    """
    if not configured:
        raise TokenRefusedError("writes_off")
    if not authorization or not authorization.lower().startswith("bearer "):
        raise TokenMissingError("token_required")
    given = hashlib.sha256(authorization[7:].strip().encode()).digest()
    if not hmac.compare_digest(given, hashlib.sha256(configured.encode()).digest()):
        raise TokenRefusedError("token_invalid")
