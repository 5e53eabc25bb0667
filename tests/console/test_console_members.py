"""The console's members page: the real-name rate of an account and its children, as the
unions report it, with its history drawn as a chart."""

from __future__ import annotations

import re

from hub.members import demo as members_demo


def test_members_page_shows_meizhou_rate_and_each_county(console_as, db, config):
    members_demo.load_members(db, config)
    db.commit()
    page = console_as("mz-editor").get("/console/a/meizhou/members")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "1,976" in html and "1,533" in html and "77.58%" in html
    assert html.count("<svg class=\"chart\"") == 2
    # The history line ends at today's rate; every county is listed with its own rate.
    assert re.search(r"<desc id=\"rate-history-d\">[^<]*77\.58%</desc>", html)
    assert "梅江区总工会" in html or "梅江区" in html
    assert "<script" not in html and "style=" not in html  # the console's CSP holds


def test_members_page_needs_a_grant_on_the_account(console_as, db, config):
    members_demo.load_members(db, config)
    db.commit()
    refused = console_as("mz-editor").get("/console/a/dongguan/members")
    assert refused.status_code == 403
