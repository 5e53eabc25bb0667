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


def run_queued_imports(app) -> list[int]:
    """What a worker does with uploaded rolls: import every queued one, now."""
    from hub.members import roll_jobs

    return roll_jobs.run_pending(app.extensions["hub.sessions"],
                                 identity.IdKeys.from_config(app.config["HUB"]))


def upload_and_import(client, headers, data: bytes, account="dongguan", filename="roll.csv"):
    """Upload a roll through the API (202), let a worker import it, and answer with the
    finished import's report (200); an upload refused at once is answered as it was."""
    answer = client.post("/api/v1/members/imports", headers=headers,
                         data={"account": account, "file": (io.BytesIO(data), filename)},
                         content_type="multipart/form-data")
    if answer.status_code != 202:
        return answer
    assert answer.get_json()["state"] == "queued"
    run_queued_imports(client.application)
    return client.get(answer.get_json()["progress_url"], headers=headers)
