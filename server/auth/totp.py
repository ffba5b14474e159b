"""TOTP (RFC 6238) codes for multi-factor authentication, each usable once."""

from __future__ import annotations

import time

import pyotp

ISSUER = "Quantis"
WINDOW_STEPS = 1  # accept the previous and next 30-second step for clock drift


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, username: str) -> str:
    """The otpauth:// URI an authenticator app scans."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def matching_step(secret: str, code: str, last_used_step: int | None, now: float | None = None) -> int | None:
    """The time step ``code`` is valid for, if any, and newer than the last one used.

    Returning the step lets the caller store it, so the same code (or an older one)
    cannot be replayed within its window.
    """
    if not (len(code) == 6 and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    current = int((time.time() if now is None else now) // totp.interval)
    for step in range(current - WINDOW_STEPS, current + WINDOW_STEPS + 1):
        if last_used_step is not None and step <= last_used_step:
            continue
        if pyotp.utils.strings_equal(totp.generate_otp(step), code):
            return step
    return None
