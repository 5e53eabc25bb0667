"""ID numbers: the ISO 7064 MOD 11-2 check character, birth dates, masking, the keyed hash."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.members import identity

TODAY = dt.date(2026, 6, 1)
births = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2010, 6, 1))
regions = st.from_regex(r"[1-8][0-9]{5}", fullmatch=True)
serials = st.integers(min_value=0, max_value=999)


def build(region: str, born: dt.date, serial: int) -> str:
    first17 = f"{region}{born:%Y%m%d}{serial:03d}"
    return first17 + identity.check_char(first17)


def test_known_numbers_from_the_standard():
    # GB 11643-1999's worked example and a number ending in X.
    assert identity.check_char("11010519491231002") == "X"
    assert identity.check_char("44052418800101001") == "4"
    assert identity.validate("11010519491231002x", today=TODAY) == "11010519491231002X"


@given(regions, births, serials)
def test_every_built_number_is_valid(region, born, serial):
    assert identity.validate(build(region, born, serial), today=TODAY)


@given(regions, births, serials, st.integers(min_value=0, max_value=16),
       st.integers(min_value=1, max_value=9))
def test_any_single_digit_change_is_caught(region, born, serial, position, shift):
    number = build(region, born, serial)
    digit = (int(number[position]) + shift) % 10
    changed = number[:position] + str(digit) + number[position + 1:]
    with pytest.raises(identity.IdNumberError) as caught:
        identity.validate(changed, today=TODAY)
    # MOD 11-2 detects every single-digit error; a changed birth date may fail on it first.
    assert caught.value.code in ("id_checksum", "id_birth")


@given(regions, births, serials, st.integers(min_value=0, max_value=15))
def test_swapping_two_different_neighbours_is_caught(region, born, serial, position):
    number = build(region, born, serial)
    if number[position] == number[position + 1]:
        return
    swapped = (number[:position] + number[position + 1] + number[position]
               + number[position + 2:])
    assert not identity.is_valid(swapped, today=TODAY)


@given(regions, births, serials)
def test_a_wrong_check_character_is_a_checksum_error(region, born, serial):
    number = build(region, born, serial)
    for wrong in set("0123456789X") - {number[-1]}:
        with pytest.raises(identity.IdNumberError) as caught:
            identity.validate(number[:-1] + wrong, today=TODAY)
        assert caught.value.code == "id_checksum"


@pytest.mark.parametrize("born", ["18991231", "20260701", "20120101", "19900230", "19901301"])
def test_implausible_birth_dates_are_refused(born):
    first17 = f"441900{born}123"
    number = first17 + identity.check_char(first17)
    with pytest.raises(identity.IdNumberError) as caught:
        identity.validate(number, today=TODAY)
    assert caught.value.code == "id_birth"


@pytest.mark.parametrize("raw", ["", "4419001990010112", "44190019900101123456",
                                 "44190019900101123Y", "4419A0199001011234"])
def test_malformed_numbers_are_format_errors(raw):
    with pytest.raises(identity.IdNumberError) as caught:
        identity.validate(raw, today=TODAY)
    assert caught.value.code == "id_format"
    assert raw not in caught.value.reason or not raw


@given(regions, births, serials)
def test_mask_shows_four_and_four(region, born, serial):
    number = build(region, born, serial)
    masked = identity.mask(number)
    assert masked == number[:4] + "*" * 10 + number[-4:]
    assert len(masked) == 18


@given(st.text(min_size=1, max_size=40), st.text(min_size=1, max_size=40))
def test_the_hash_depends_on_the_secret(secret_a, secret_b):
    number = build("441900", dt.date(1990, 1, 1), 123)
    a, b = identity.IdKeys.from_secret(secret_a), identity.IdKeys.from_secret(secret_b)
    assert a.digest(number) == identity.IdKeys.from_secret(secret_a).digest(number)
    assert (a.digest(number) == b.digest(number)) == (secret_a == secret_b)
    assert number not in a.digest(number)


def test_encrypted_copy_decrypts_only_to_the_masked_form():
    keys = identity.IdKeys.from_secret("s")
    number = build("441900", dt.date(1990, 1, 1), 123)
    stored = keys.encrypt(number)
    assert number not in stored
    assert keys.masked(stored) == identity.mask(number)
