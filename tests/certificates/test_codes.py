"""Certificate codes: random, readable, and a check character that catches typos."""

from __future__ import annotations

import re

import pytest

from lms.certificates.codes import (
    ALPHABET,
    EXAMPLE,
    LENGTH,
    CodeTypo,
    MalformedCode,
    check_character,
    format_code,
    new_code,
    parse_code,
)

GROUPED = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}-[0-9A-HJKMNP-TV-Z]$")


def test_alphabet_is_crockford_base32_without_look_alikes() -> None:
    assert len(ALPHABET) == 32 and len(set(ALPHABET)) == 32
    assert not set("ILOU") & set(ALPHABET)


def test_new_codes_carry_80_random_bits_and_a_valid_check_character() -> None:
    codes = {new_code() for _ in range(2000)}
    assert len(codes) == 2000
    for code in codes:
        assert len(code) == LENGTH == 17  # 16 x 5 bits of data + 1 check character
        assert parse_code(code) == code
        assert GROUPED.match(format_code(code))
    # Every data position takes every symbol: the characters are not fixed or biased away.
    for position in range(16):
        assert len({code[position] for code in codes}) == 32


def test_example_code_is_valid() -> None:
    assert format_code(parse_code(EXAMPLE)) == EXAMPLE


@pytest.mark.parametrize(
    "typed",
    [
        "k7mx-3qpa-9d2f-wr4t-8",
        "K7MX3QPA9D2FWR4T8",
        " K7MX 3QPA 9D2F WR4T 8 ",
        "K7MX--3QPA-9D2F-WR4T--8",
        "K7-MX3Q-PA9D-2FWR-4T8",
        "K7MX–3QPA—9D2F－WR4T-8",  # en dash, em dash, full-width hyphen
        "Ｋ７ＭＸ３ＱＰＡ９Ｄ２ＦＷＲ４Ｔ８",  # full-width, as Korean and Chinese keyboards type
    ],
)
def test_parse_accepts_case_spaces_and_hyphens(typed: str) -> None:
    assert parse_code(typed) == "K7MX3QPA9D2FWR4T8"


def test_parse_reads_o_as_zero_and_i_or_l_as_one() -> None:
    data = "10K0" + "1" * 4 + "0" * 8
    code = data + check_character(data)
    aliased = code.replace("1", "I", 2).replace("0", "o", 1).replace("1", "l")
    assert parse_code(aliased) == code


@pytest.mark.parametrize(
    "typed", ["", "K7MX-3QPA-9D2F-WR4T", "K7MX-3QPA-9D2F-WR4T-8H", "K7MX-3QPA-9D2F-WR4T-U", "!"]
)
def test_wrong_length_or_characters_are_malformed(typed: str) -> None:
    with pytest.raises(MalformedCode):
        parse_code(typed)


def test_every_single_character_typo_is_caught() -> None:
    for _ in range(40):
        code = new_code()
        for position in range(LENGTH):
            for symbol in ALPHABET:
                if symbol != code[position]:
                    typo = code[:position] + symbol + code[position + 1 :]
                    with pytest.raises(CodeTypo):
                        parse_code(typo)


def test_every_swap_of_neighbours_is_caught() -> None:
    for _ in range(300):
        code = new_code()
        for position in range(LENGTH - 1):
            a, b = code[position], code[position + 1]
            if a != b:
                swapped = code[:position] + b + a + code[position + 2 :]
                with pytest.raises(CodeTypo):
                    parse_code(swapped)
