"""Resident ID numbers (居民身份证号码): validation, the keyed hash used for matching, the
encrypted copy used for masked display, and masking. Nothing here logs or prints a number.

An 18-character number is 6 digits of region, 8 of birth date (YYYYMMDD), 3 of sequence and a
check character computed with ISO 7064 MOD 11-2 over the first 17 (GB 11643-1999).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import operator
from dataclasses import dataclass

from hub import crypto

# Weight of position i is 2^(17 - i) mod 11; the remainder of the weighted sum picks the check.
WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
CHECK_CHARS = "10X98765432"
MIN_BIRTH = dt.date(1900, 1, 1)
MIN_MEMBER_AGE = 16  # the legal working age in China: no one younger is on a union roll


class IdNumberError(ValueError):
    """Why a number is not a plausible ID number; `code` and Chinese `reason`, never the number."""

    def __init__(self, code: str, reason: str):
        super().__init__(reason)
        self.code, self.reason = code, reason


def check_char(first17: str) -> str:
    if len(first17) != 17:
        raise ValueError("the check character is computed over 17 digits")
    return CHECK_CHARS[sum(map(operator.mul, map(int, first17), WEIGHTS)) % 11]


def normalise(raw: str) -> str:
    """Strip spaces and upper-case the check character ('x' is written as often as 'X')."""
    return raw.strip().replace(" ", "").upper()


def birth_date(number: str) -> dt.date | None:
    try:
        return dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


@functools.lru_cache(maxsize=4)  # the same `today` for every row of an import
def _latest_birth(today: dt.date) -> dt.date:
    try:
        return today.replace(year=today.year - MIN_MEMBER_AGE)
    except ValueError:  # 29 February
        return today.replace(year=today.year - MIN_MEMBER_AGE, day=28)


def validate(raw: str, *, today: dt.date | None = None) -> str:
    """The normalised number, or IdNumberError saying what is wrong with it."""
    number = normalise(raw)
    if len(number) != 18 or not number[:17].isdigit() or number[17] not in "0123456789X":
        raise IdNumberError("id_format", "身份证号应为 18 位（前 17 位数字，末位数字或 X）")
    if check_char(number[:17]) != number[17]:
        raise IdNumberError("id_checksum", "身份证号校验位错误")
    born = birth_date(number)
    today = today or dt.date.today()
    if born is None or not MIN_BIRTH <= born <= _latest_birth(today):
        raise IdNumberError("id_birth", "身份证号中的出生日期不合理")
    return number


def is_valid(raw: str, *, today: dt.date | None = None) -> bool:
    try:
        validate(raw, today=today)
    except IdNumberError:
        return False
    return True


def mask(number: str) -> str:
    """4419**********1234: enough for a person to recognise their own, useless to anyone else."""
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def mask_name(name: str) -> str:
    """陈*华: the family name and the last character, enough to recognise oneself (and how
    unions publish the names of draw winners)."""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_mobile(mobile: str | None) -> str | None:
    if not mobile:
        return None
    return mobile[:3] + "****" + mobile[-4:] if len(mobile) >= 8 else "****"


@dataclass(frozen=True)
class IdKeys:
    """The keys for ID numbers, derived from the hub's secret (Config.secret())."""

    secret: str
    hash_key: bytes

    @classmethod
    def from_secret(cls, secret: str) -> IdKeys:
        # A key of its own for the hash, so it differs from every other use of the secret.
        derived = hmac.new(secret.encode(), b"hub-member-id-hash/v1", hashlib.sha256).digest()
        return cls(secret=secret, hash_key=derived)

    @classmethod
    def from_config(cls, config) -> IdKeys:
        return cls.from_secret(config.secret())

    def digest(self, number: str) -> str:
        """The keyed hash (HMAC-SHA256, hex) of a normalised number: what matching uses."""
        return hmac.new(self.hash_key, number.encode(), hashlib.sha256).hexdigest()

    def encrypt(self, number: str) -> str:
        # hub.crypto's own cipher, derived once per key rather than once per number (an
        # import encrypts a million): the stored form is exactly crypto.encrypt's.
        return _cipher(self.secret).encrypt(number.encode()).decode()

    def masked(self, encrypted: str) -> str:
        return mask(crypto.decrypt(self.secret, encrypted))

    def seal(self, data: bytes) -> bytes:
        """Bytes full of ID numbers (an uploaded roll waiting for its import), encrypted:
        neither the table nor a statement log ever holds them readable."""
        return _cipher(self.secret).encrypt(data)

    def unseal(self, sealed: bytes) -> bytes:
        return _cipher(self.secret).decrypt(sealed)


@functools.lru_cache(maxsize=4)
def _cipher(secret: str):
    return crypto._fernet(secret)


def current_keys() -> IdKeys:
    """The keys of the app serving this request."""
    from flask import current_app

    return IdKeys.from_config(current_app.config["HUB"])
