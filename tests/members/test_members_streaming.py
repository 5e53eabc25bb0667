"""Streaming: a roll made on the fly, byte by byte, never whole in memory, imports with the same
peak of Python memory whether it has 3,000 rows or four times as many."""

from __future__ import annotations

import io
import tracemalloc

from members_helpers import numbers
from sqlalchemy import func, select

from hub.accounts.services import get_account
from hub.members import roll_parsing, rolls
from hub.members.models import Member

UNIONS = ("dg-humen-garment", "dg-humen-port")


class GeneratedRoll(io.RawIOBase):
    """A CSV roll of `rows` members produced as it is read: nothing is kept but one line."""

    def __init__(self, rows: int):
        self.lines = self._lines(rows)
        self.pending = b""
        self.produced = 0

    @staticmethod
    def _lines(rows: int):
        yield "姓名,身份证号,手机号,基层工会代码,入会日期\n".encode()
        source = numbers()
        for i in range(rows):
            union = UNIONS[i % 2]
            yield f"会员{i},{next(source)},139{i:08d},{union},2020-01-01\n".encode()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while len(self.pending) < len(buffer):
            line = next(self.lines, None)
            if line is None:
                break
            self.pending += line
        size = min(len(buffer), len(self.pending))
        buffer[:size] = self.pending[:size]
        self.pending = self.pending[size:]
        self.produced += size
        return size


def _peak_while_importing(db, keys, rows: int) -> int:
    stream = io.BufferedReader(GeneratedRoll(rows))
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        report = rolls.import_file(db, get_account(db, "dongguan"), stream, "generated.csv",
                                   keys=keys)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert report.record.rows_accepted == rows, report.rejections[:3]
    return peak


def test_memory_stays_flat_as_the_roll_grows(db, demo, keys, monkeypatch):
    monkeypatch.setattr(rolls, "CHUNK_ROWS", 500)
    small = _peak_while_importing(db, keys, 3_000)
    # Same numbers again plus 9,000 more: updates and inserts, four times the rows.
    large = _peak_while_importing(db, keys, 12_000)
    assert db.scalar(select(func.count()).select_from(Member)) == 12_000
    # Holding 12,000 rows (numbers, names, hashes) would take megabytes more than 3,000 did.
    assert large < small * 1.5 + 256 * 1024, (small, large)


def test_the_generated_roll_is_read_lazily():
    roll = GeneratedRoll(1_000_000)
    lines = roll_parsing.csv_rows(roll_parsing.text_lines(io.BufferedReader(roll)))
    for _ in range(3):
        next(lines)
    assert roll.produced < 256 * 1024  # a million rows would be about 60 MB
