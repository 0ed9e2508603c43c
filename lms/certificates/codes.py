"""Certificate codes: 80 random bits in Crockford base32, grouped, with a check character.

A code is 16 data characters (5 bits each, from ``secrets``) and one check character, shown as
``K7MX-3QPA-9D2F-WR4T-8``. The alphabet leaves out I, L, O and U, so a code read aloud or copied
by hand has no look-alikes; when parsing, O is read as 0 and I and L as 1.

The check character makes the 17 symbols, read as elements of GF(32), satisfy
``sum(alpha**(16 - i) * s[i]) == 0``, with ``alpha`` a primitive element and every position
weighted by a different non-zero power of it. So a changed character always changes the sum (the
weight and the change are non-zero, and GF(32) has no zero divisors), and so does swapping two
neighbours ``a, b`` (the sum changes by ``(a + b) * (alpha**k + alpha**(k+1))``, and ``a != b``
and ``alpha != 1``). Unlike a mod-37 check, the check character comes from the same alphabet.
"""

from __future__ import annotations

import re
import secrets
import unicodedata

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
VALUES = {char: value for value, char in enumerate(ALPHABET)}
ALIASES = {"O": "0", "I": "1", "L": "1"}
DATA_LENGTH = 16  # 16 x 5 = 80 random bits
LENGTH = DATA_LENGTH + 1
GROUP = 4
EXAMPLE = "K7MX-3QPA-9D2F-WR4T-8"

# Separators people type or paste between groups: spaces and every kind of dash.
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212\u30fc\uff0d_.]+")

# GF(32) with the primitive polynomial x^5 + x^2 + 1: exp/log tables for multiplication.
_EXP = [0] * 62
_LOG = [0] * 32
_x = 1
for _power in range(31):
    _EXP[_power] = _EXP[_power + 31] = _x
    _LOG[_x] = _power
    _x <<= 1
    if _x & 0b100000:
        _x ^= 0b100101


def _mul(a: int, b: int) -> int:
    if a == 0 or b == 0:
        return 0
    return _EXP[_LOG[a] + _LOG[b]]


class CodeError(ValueError):
    """Not a certificate code."""


class MalformedCode(CodeError):
    """Wrong length or characters that are not in the alphabet."""


class CodeTypo(CodeError):
    """Well formed, but the check character does not match: a mistyped character or swap."""


def _syndrome(values: list[int]) -> int:
    """The weighted sum of all symbols (data and check); zero for a correct code."""
    total = 0
    last = len(values) - 1
    for index, value in enumerate(values):
        total ^= _mul(_EXP[last - index], value)
    return total


def check_character(data: str) -> str:
    """The check character for 16 data characters."""
    values = [VALUES[char] for char in data]
    # The check symbol has weight alpha**0 = 1; in GF(2^n) adding is subtracting.
    return ALPHABET[_syndrome([*values, 0])]


def new_code() -> str:
    """A fresh random code in canonical form (17 characters, no hyphens)."""
    data = "".join(secrets.choice(ALPHABET) for _ in range(DATA_LENGTH))
    return data + check_character(data)


def format_code(code: str) -> str:
    """``K7MX3QPA9D2FWR4T8`` -> ``K7MX-3QPA-9D2F-WR4T-8``."""
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))


def parse_code(text: str) -> str:
    """The canonical form of a typed or pasted code. Raises MalformedCode or CodeTypo.

    Accepts lower case, full-width characters, spaces and missing or extra hyphens, and reads
    O as 0 and I or L as 1.
    """
    compact = _SEPARATORS.sub("", unicodedata.normalize("NFKC", text)).upper()
    compact = "".join(ALIASES.get(char, char) for char in compact)
    if len(compact) != LENGTH or any(char not in VALUES for char in compact):
        raise MalformedCode(text)
    if _syndrome([VALUES[char] for char in compact]) != 0:
        raise CodeTypo(text)
    return compact
