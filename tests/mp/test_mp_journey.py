"""The member's journey, proven against the real hub: the mini-program's own pages and lib/
run in Node (adapters/wechat/miniprogram/journey) with a `wx` whose requests are real HTTP to
this hub, served on a random 127.0.0.1 port, and whose wx.login and getPhoneNumber codes come
from the WeChat sandbox. It runs once as members usually see it and once in 关怀模式."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import threading
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from hub.campaigns import demo as campaigns_demo
from hub.campaigns import limits
from hub.campaigns.models import Campaign
from hub.db import make_session_factory, utcnow
from hub.members import demo as members_demo
from hub.members import identity
from hub.members.models import Member, MemberState

MINIPROGRAM = Path(__file__).resolve().parents[2] / "adapters/wechat/miniprogram"
JEST = MINIPROGRAM / "node_modules/.bin/jest"
QUIZ = [{"id": "day", "text": "国际劳动节是哪一天？", "choices": ["10月1日", "5月1日"],
         "answer": 1},
        {"id": "fee", "text": "会费按工资的百分之几缴纳？", "choices": ["0.5%", "5%"], "answer": 0}]

pytestmark = pytest.mark.skipif(shutil.which("node") is None or not JEST.exists(),
                                reason="needs node and the mini-program's node_modules "
                                       "(make test installs them)")


def _id_number(birth: str) -> str:
    first17 = f"441900{birth}123"
    return first17 + identity.check_char(first17)


@pytest.fixture
def live(app, config, members, mini_app, sandbox):
    """The hub over real HTTP on 127.0.0.1 (a random port); stops by itself."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    config.public_url = f"http://127.0.0.1:{server.server_port}"
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    yield config.public_url
    server.shutdown()
    server.server_close()


def _campaigns(app, config) -> dict:
    """The demo's red packet and cinema tickets, and a one-seat course and a quiz for 东莞."""
    writer = make_session_factory(app.extensions["hub.engine"])
    with writer() as db:
        campaigns_demo.load(db, config)
        now = utcnow()
        window = {"starts_at": now - dt.timedelta(minutes=5), "ends_at": now + dt.timedelta(days=2)}
        course = campaigns_demo._promotion(db, "dongguan", "dg-editor", "dg-reviewer",
                                           "东莞职工插花公益课", "一个名额，额满候补。")
        campaigns_demo._campaign(db, "dg-editor", "dg-reviewer", course, account="dongguan",
                                 kind="course", title="东莞职工插花公益课", seats=1,
                                 course_starts_at=now + dt.timedelta(days=3),
                                 place="东莞市工人文化宫", **window)
        quiz = campaigns_demo._promotion(db, "dongguan", "dg-editor", "dg-reviewer",
                                         "劳动法知识答题", "答对两题即有奖。")
        campaigns_demo._campaign(db, "dg-editor", "dg-reviewer", quiz, account="dongguan",
                                 kind="quiz", title="劳动法知识答题", questions=QUIZ,
                                 pass_mark=2, quiz_mode="instant", win_chance=1.0, prizes=10,
                                 face_value_fen=500, **window)
        db.commit()
        ids = {c.title: c.id for c in db.scalars(select(Campaign))}
    return {"red_packet": ids[campaigns_demo.RAIN], "ticket": ids[campaigns_demo.TICKETS],
            "course": ids["东莞职工插花公益课"], "quiz": ids["劳动法知识答题"]}


def _roll_members(app, config, people) -> list[dict]:
    """Members of 虎门服装行业联合工会 (the demo member's union), one run's: (name, birth
    date, mobile) each."""
    keys = identity.IdKeys.from_config(config)
    made = []
    with make_session_factory(app.extensions["hub.engine"])() as db:
        union = db.scalar(select(Member.account_id).where(
            Member.name == members_demo.DEMO_MEMBER[0]))
        now = utcnow()
        for name, birth, mobile in people:
            number = _id_number(birth)
            db.add(Member(account_id=union, name=name, mobile=mobile,
                          id_hash=keys.digest(number), id_encrypted=keys.encrypt(number),
                          state=MemberState.imported, imported_at=now, updated_at=now))
            made.append({"name": name, "id_number": number, "mobile": mobile,
                         "name_masked": identity.mask_name(name),
                         "mobile_masked": identity.mask_mobile(mobile)})
        db.commit()
    return made


# Each run's two members: the one whose day it is, and a second for the course's waitlist.
RUNS = {"usual": [("周建华", "19880412", "13800138101"), ("王小明", "19850307", "13700137101")],
        "care": [("吴秀英", "19560903", "13800138102"), ("王小红", "19860519", "13700137102")]}


def _journey(facts: dict, tmp_path: Path) -> str | None:
    """Runs the journey with these facts; None when it passed, else its report."""
    facts_file = tmp_path / f"journey-{'care' if facts['care'] else 'usual'}.json"
    facts_file.write_text(json.dumps(facts, ensure_ascii=False), encoding="utf-8")
    env = {**os.environ, "JOURNEY_FACTS": str(facts_file), "CI": "true"}
    run = subprocess.run([str(JEST), "--config", "journey/jest.config.js", "--ci",
                          "--colors=false"], cwd=MINIPROGRAM, env=env, capture_output=True,
                         text=True, timeout=300)
    report = run.stdout + run.stderr
    passed = run.returncode == 0 and "Tests:" in report and \
        "failed" not in report.split("Tests:")[-1]
    return None if passed else report[-6000:]


def test_the_member_journey_against_the_real_hub(app, config, live, mini_app, sandbox, publish,
                                                 monkeypatch, tmp_path):
    """One hub, two runs of the journey: as members usually see it, then in 关怀模式."""
    monkeypatch.setattr(limits, "CLAIMS_PER_WINDOW", 100_000)
    # One post pushed down from 梅州 to 大埔 (which the members follow, 梅州 not), then
    # two pages of feed from their own union's chain.
    pushed = publish("mz-editor", "meizhou", "梅州市总工会春风行动", ["mz-dabu"])
    for n in range(21):
        publish("hm-editor", "dg-humen", f"虎门镇工会动态第{n + 1}期")
    shared = {"hubUrl": live, "sandboxUrl": sandbox.url, "appid": mini_app.appid,
              "pushedPost": pushed, "quizRight": {q["id"]: q["answer"] for q in QUIZ},
              **_campaigns(app, config)}
    for run, people in RUNS.items():
        member, newcomer = _roll_members(app, config, people)
        facts = {**shared, "care": run == "care", "run": run, "member": member,
                 "newcomer": newcomer}
        failed = _journey(facts, tmp_path)
        assert failed is None, f"the {run} journey failed:\n{failed}"
