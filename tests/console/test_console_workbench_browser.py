"""The workbench, part 2, in a real browser (Debian's Chromium via Playwright, the hub over
real HTTP): an author builds a red-packet rain with its split previewed, a reviewer approves
it in the review queue, members claim it through /mp/v1, the console shows the stock falling
and exports the claims; an admin imports a 10,000-row roll, watches a worker import it and
downloads the rejection report. Pages are photographed at desktop and phone widths into
HUB_SCREENSHOTS (default /tmp)."""

from __future__ import annotations

import csv
import io
import os
import re
import threading
from pathlib import Path

import pytest
import requests
from openpyxl import load_workbook

from hub.members import identity, roll_jobs
from tests.console import test_console_browser as shared
from tests.console.test_console_campaigns import verified_members  # noqa: F401  (a fixture)
from tests.members.members_helpers import HEADER, numbers

# The same Chromium and page fixtures as the first browser tests.
browser, page = shared.browser, shared.page
_log_in_with_the_keyboard, _log_out = shared._log_in_with_the_keyboard, shared._log_out
SHOTS = Path(os.environ.get("HUB_SCREENSHOTS", "/tmp"))
WIDTHS = {"desktop": 1280, "phone": 390}


def _photograph(tab, name: str) -> None:
    """The page at desktop and phone widths, whole; and it never scrolls sideways."""
    for label, width in WIDTHS.items():
        tab.set_viewport_size({"width": width, "height": 900})
        tab.screenshot(path=str(SHOTS / f"{name}-{label}.png"), full_page=True)
        assert tab.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), \
            f"{name} scrolls sideways at {width} px"
    tab.set_viewport_size({"width": 1280, "height": 900})


def _token(app, username: str) -> dict:
    from hub.users import services as users

    with app.extensions["hub.sessions"]() as db:
        token = users.issue_token(db, users.get_user(db, username), "browser test")
        db.commit()
    return {"Authorization": f"Bearer {token}"}


def _published_promotion(app, url: str) -> int:
    author, reviewer = _token(app, "dg-editor"), _token(app, "dg-reviewer")
    made = requests.post(f"{url}/api/v1/posts", headers=author, timeout=30, json={
        "account": "dongguan", "title": "冬日送温暖红包雨", "body": "点击参加",
        "kind": "promotion"})
    assert made.status_code == 201, made.text
    post_id = made.json()["id"]
    requests.post(f"{url}/api/v1/posts/{post_id}/submit", headers=author, timeout=30)
    requests.post(f"{url}/api/v1/posts/{post_id}/approve", headers=reviewer, timeout=30)
    done = requests.post(f"{url}/api/v1/posts/{post_id}/publish", headers=reviewer, timeout=30)
    assert done.status_code == 200, done.text
    return post_id


@pytest.fixture
def roll_worker(app, config):
    """What `hub worker` does with uploaded rolls, on a thread until the test ends."""
    stop = threading.Event()
    keys = identity.IdKeys.from_config(config)

    def work():
        while not stop.is_set():
            roll_jobs.run_pending(app.extensions["hub.sessions"], keys, worker="browser")
            stop.wait(0.2)

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join(timeout=60)


def test_a_red_packet_rain_is_built_approved_claimed_and_exported(
        page, live_hub, app, verified_members):  # noqa: F811  (fixtures)
    from playwright.sync_api import expect

    url = live_hub.url
    _published_promotion(app, url)
    _log_in_with_the_keyboard(page, url, "dg-editor")
    page.get_by_role("link", name="活动", exact=True).click()
    _photograph(page, "campaigns")
    page.get_by_role("link", name="红包雨").first.click()
    page.get_by_label("活动名称").fill("冬日红包雨")
    page.get_by_label("开始时间（北京时间）").fill("2026-01-01T08:00")
    page.get_by_label("结束时间（北京时间）").fill("2099-12-31T20:00")
    page.get_by_label("红包总额（元）").fill("100")
    page.get_by_label("红包个数").fill("50")
    page.get_by_role("button", name="预览拆分").click()
    expect(page.get_by_role("heading", name=re.compile("拆分预览"))).to_be_visible()
    expect(page.locator("#split-preview-t")).to_have_count(1)
    _photograph(page, "campaign-builder")
    page.get_by_role("button", name="保存为草稿并提交审批").click()
    page.wait_for_url(re.compile(r".*/console/campaigns/\d+$"))
    campaign_url = page.url
    campaign_id = int(campaign_url.rsplit("/", 1)[1])
    _log_out(page)

    _log_in_with_the_keyboard(page, url, "dg-reviewer")
    page.get_by_role("link", name="审核队列").click()
    queued = page.locator("table.campaign-review tbody tr", has_text="冬日红包雨")
    expect(queued).to_contain_text("100.00")
    _photograph(page, "review-queue")
    queued.get_by_role("button", name="审批通过「冬日红包雨」").click()
    # Money goes out on approval: the console asks once more, naming the sum and the packets.
    expect(page.get_by_role("heading", name="确认审批通过「冬日红包雨」？")).to_be_visible()
    expect(page.locator("main")).to_contain_text("50 个红包")
    _photograph(page, "confirm-approval")
    page.get_by_role("button", name="确认通过（100.00 元）").press("Enter")
    expect(page.get_by_role("status").first).to_contain_text("已审批通过")
    _log_out(page)

    for _, headers in verified_members(3):
        claimed = requests.post(f"{url}/mp/v1/campaigns/{campaign_id}/claim", headers=headers,
                                json={"request_id": f"browser-{os.urandom(6).hex()}"},
                                timeout=30)
        assert claimed.status_code == 200, claimed.text

    _log_in_with_the_keyboard(page, url, "dg-editor")
    page.goto(campaign_url)
    expect(page.locator(".tiles li").first).to_contain_text("47")
    _photograph(page, "campaign")
    with page.expect_download() as downloading:
        page.get_by_role("button", name="导出参与记录（XLSX）").click()
    book = load_workbook(io.BytesIO(Path(downloading.value.path()).read_bytes()))
    rows = list(book.active.iter_rows(values_only=True))[2:]
    assert len(rows) == 3 and all(re.fullmatch(r"4419\*{10}\w{4}", row[3]) for row in rows)


def test_a_ten_thousand_row_roll_is_imported_with_progress(page, live_hub,  # noqa: F811
                                                           roll_worker):
    from playwright.sync_api import expect

    source = numbers("441900")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for serial in range(10_000):
        union = "dg-nowhere" if serial % 1000 == 7 else "dg-humen-port"
        writer.writerow([f"会员{serial}", next(source), "", union, ""])
    roll = out.getvalue().encode()

    _log_in_with_the_keyboard(page, live_hub.url, "gd-admin")
    page.get_by_role("link", name="会员").click()
    _photograph(page, "members")
    page.get_by_label("名册文件（CSV 或 XLSX）").set_input_files(
        {"name": "东莞名册.csv", "mimeType": "text/csv", "buffer": roll})
    page.get_by_role("button", name="上传并导入").click()
    page.wait_for_url(re.compile(r".*/console/members/imports/\d+$"))
    expect(page.locator(".import-state")).to_contain_text("已完成", timeout=120_000)
    figures = page.locator(".tiles .num").all_inner_texts()[:3]
    read, accepted, rejected = (int(text.replace(",", "")) for text in figures)
    # The demo's own roll may hold a generated number already: that row is refused too.
    assert read == 10_000 and accepted + rejected == read and 10 <= rejected <= 20
    _photograph(page, "roll-import")
    with page.expect_download() as downloading:
        page.get_by_role("link", name="下载未导入行的报告（XLSX）").click()
    data = Path(downloading.value.path()).read_bytes()
    rows = list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    assert len(rows) == rejected + 1
    assert [row[0] for row in rows[1:] if row[6] == "dg-nowhere"] == [
        serial + 2 for serial in range(10_000) if serial % 1000 == 7]  # line = serial + 2
