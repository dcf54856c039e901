"""Passwords: bcrypt hashes and the strength a new password must have."""

import os

import bcrypt

from services.errors import ValidationError

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_BYTES = 72  # bcrypt reads at most 72 bytes
# Guessed first by anyone: refused whatever else they satisfy (compared case-insensitively).
COMMON_PASSWORDS = frozenset(
    {
        "password1",
        "password123",
        "passw0rd",
        "qwerty123",
        "abc12345",
        "abcd1234",
        "a1234567",
        "12345678a",
        "1qaz2wsx",
        "admin123",
        "admin888",
        "woaini1314",
    }
)


def _rounds() -> int:
    # Tests lower the cost factor; production keeps bcrypt's default of 12.
    return int(os.environ.get("BCRYPT_ROUNDS", "12"))


def hash_password(password: str) -> str:
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(_rounds())).decode("ascii")


def check_password(password: str, password_hash: str) -> bool:
    try:
        return bcrypt.checkpw((password or "").encode("utf-8"), password_hash.encode("ascii"))
    except ValueError:
        return False


def validate_password(password: str, *, username: str = "") -> None:
    """Refuse a password that is short, too long for bcrypt, only letters or only digits,
    starts or ends with a space (the login form trims what is typed), holds the user name,
    or is one of the passwords everyone guesses first."""
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError("error.user.password_short", field="password", n=MIN_PASSWORD_LENGTH)
    if len(password.encode("utf-8")) > MAX_PASSWORD_BYTES:
        raise ValidationError("error.user.password_long", field="password")
    if password != password.strip():
        raise ValidationError("error.user.password_spaces", field="password")
    if not (any(c.isdigit() for c in password) and any(c.isalpha() for c in password)):
        raise ValidationError("error.user.password_weak", field="password")
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS or (len(username) >= 3 and username.lower() in lowered):
        raise ValidationError("error.user.password_common", field="password")
