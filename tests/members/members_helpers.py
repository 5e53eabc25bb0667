"""Helpers shared by the members tests: generated valid ID numbers and rolls as CSV."""

from __future__ import annotations

import csv
import io
import itertools

from hub.members import identity

HEADER = ["姓名", "身份证号", "手机号", "基层工会代码", "入会日期"]


def make_number(serial: int, region: str = "441900", born: str = "19900101") -> str:
    """A valid, fictitious ID number, different for each serial below 1000 per birth date."""
    first17 = f"{region}{born}{serial % 1000:03d}"
    return first17 + identity.check_char(first17)


def numbers(region: str = "441900"):
    """Endless distinct valid numbers (a birth date per thousand serials)."""
    for serial in itertools.count():
        year, day = 1970 + serial // 365000 % 30, serial // 1000 % 365
        born = f"{year}{1 + day // 28 % 12:02d}{1 + day % 28:02d}"
        yield make_number(serial, region, born)


def roll_csv(rows, header=True) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    if header:
        writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")
