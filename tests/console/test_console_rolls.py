"""Member rolls from the console and the API, imported by a worker off the request: the upload
answers at once (202 / a progress page), the worker imports it, progress and rate show, a
running import stops when cancelled, the rejection report downloads as XLSX with ID numbers
masked, the template roll reads back as a roll, and a member look-up is audited."""

from __future__ import annotations

import io
import time

from console_support import csrf_of
from openpyxl import load_workbook
from sqlalchemy import select

from hub.audit.models import AuditEvent
from hub.members import identity, roll_jobs
from hub.members.models import Member, RollImport, RollUploadPart
from hub.members.roll_parsing import open_roll, read_columns
from hub.runtime import Workers
from tests.members.members_helpers import make_number, numbers, roll_csv, run_queued_imports

GOOD = make_number(801)
BAD_CHECKSUM = GOOD[:-1] + ("0" if GOOD[-1] != "0" else "1")


def _upload(client, page, data: bytes, filename="名册.csv"):
    return client.post("/console/a/dongguan/members/imports", data={
        "csrf_token": csrf_of(page), "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data")


def test_a_roll_uploaded_in_the_console_is_imported_by_the_worker(app, db, console_as):
    admin = console_as("gd-admin")
    page = admin.get("/console/a/dongguan/members")
    assert "导入会员名册" in page.get_data(as_text=True)
    roll = roll_csv([["张三", GOOD, "13800000001", "dg-humen-garment", "2020-03-01"],
                     ["李四", BAD_CHECKSUM, "13800000002", "dg-humen-garment", ""],
                     ["王五", make_number(802), "", "dg-nowhere", ""]])
    answer = _upload(admin, page, roll)
    assert answer.status_code == 302
    waiting = admin.get(answer.headers["Location"]).get_data(as_text=True)
    assert "排队中" in waiting and 'http-equiv="refresh"' in waiting
    db.rollback()
    assert db.scalar(select(Member.id)) is None  # nothing imported inside the request

    assert len(run_queued_imports(app)) == 1
    done = admin.get(answer.headers["Location"]).get_data(as_text=True)
    assert "已完成" in done and 'http-equiv="refresh"' not in done
    assert "身份证号校验位错误" in done
    db.rollback()
    job = db.scalar(select(RollImport))
    assert (job.rows_total, job.rows_accepted, job.rows_rejected) == (3, 1, 2)
    assert db.scalar(select(RollUploadPart.seq)) is None  # the upload is gone

    report = admin.get(f"/console/members/imports/{job.id}/rejections.xlsx")
    rows = list(load_workbook(io.BytesIO(report.data)).active.iter_rows(values_only=True))
    assert [row[0] for row in rows[1:]] == [3, 4]
    assert rows[1][3] == "李四" and rows[1][4] == f"{BAD_CHECKSUM[:4]}**********{BAD_CHECKSUM[-4:]}"
    assert rows[2][6] == "dg-nowhere" and "不存在" in rows[2][1]
    assert BAD_CHECKSUM not in str(rows) and make_number(802) not in str(rows)


def test_the_template_roll_is_a_roll_the_importer_reads(console_as):
    template = console_as("gd-admin").get("/console/members/roll-template.xlsx")
    assert template.status_code == 200
    fmt, rows = open_roll(io.BytesIO(template.data), "roll-template.xlsx")
    columns, _ = read_columns(rows)
    assert fmt == "xlsx" and set(columns) == {"name", "id_number", "mobile", "union_code",
                                              "join_date"}


def test_the_members_page_and_the_template_list_the_unions_a_roll_may_name(app, db,
                                                                           console_as):
    """Union staff need the codes (or the exact names) of the unions below: the upload card
    lists them, the template carries them on a 工会代码 sheet, and a roll naming its union
    by full name imports; a name not found links back to the list."""
    admin = console_as("gd-admin")
    page = admin.get("/console/a/dongguan/members").get_data(as_text=True)
    listed = page[page.index('id="union-codes"'):]
    listed = listed[:listed.index("</details>")]
    assert "本账号之下的基层工会及代码（4 个）" in listed
    assert "<td>虎门镇服装行业联合工会</td><td><code>dg-humen-garment</code></td>" in listed
    assert "mz-meijiang-hospital" not in listed and "dg-humen<" not in listed
    assert "/console/a/dongguan/members/roll-template.xlsx" in page and "全称" in page

    template = admin.get("/console/a/dongguan/members/roll-template.xlsx")
    book = load_workbook(io.BytesIO(template.data))
    assert book.sheetnames == ["会员名册", "填写说明", "工会代码"]
    codes = list(book["工会代码"].iter_rows(values_only=True))
    assert codes[0] == ("基层工会全称", "代码", "上级工会")
    assert ("虎门镇服装行业联合工会", "dg-humen-garment", "虎门镇总工会") in codes
    assert len(codes) == 5 and not any("mz-" in row[1] for row in codes)
    notes = " ".join(str(cell) for row in book["填写说明"].iter_rows(values_only=True)
                     for cell in row)
    assert "全称" in notes and "「工会代码」工作表" in notes

    answer = _upload(admin, admin.get("/console/a/dongguan/members"),
                     roll_csv([["张三", GOOD, "", "虎门镇服装行业联合工会", ""],
                               ["李四", make_number(803), "", "虎门服装工会", ""]]))
    run_queued_imports(app)
    done = admin.get(answer.headers["Location"]).get_data(as_text=True)
    assert "相近的有：虎门镇服装行业联合工会（dg-humen-garment）" in done
    assert "/console/a/dongguan/members#union-codes" in done
    db.rollback()
    job = db.scalar(select(RollImport))
    assert (job.rows_accepted, job.rows_rejected) == (1, 1)


def test_a_bad_header_is_refused_at_once_and_editors_cannot_import(app, db, console_as):
    admin = console_as("gd-admin")
    page = admin.get("/console/a/dongguan/members")
    refused = _upload(admin, page, "姓名,手机号\n张三,13800000001\n".encode())
    assert refused.status_code == 302
    assert "表头缺少列" in admin.get(refused.headers["Location"]).get_data(as_text=True)
    db.rollback()
    assert db.scalar(select(RollImport.id)) is None
    editor = console_as("dg-editor")
    members = editor.get("/console/a/dongguan/members")
    assert "导入会员名册" not in members.get_data(as_text=True)
    assert _upload(editor, members, roll_csv([["张三", GOOD, "", "dg-humen-garment", ""]])
                   ).status_code == 302
    db.rollback()
    assert db.scalar(select(RollImport.id)) is None


def test_the_api_answers_202_and_a_real_worker_imports_and_cancels(app, client, config, db,
                                                                  token_for, demo):
    admin = token_for("gd-admin")
    source = numbers("441900")
    roll = roll_csv([[f"会员{i}", next(source), "", "dg-humen-port", ""] for i in range(5000)])
    answer = client.post("/api/v1/members/imports", headers=admin, data={
        "account": "dongguan", "file": (io.BytesIO(roll), "big.csv")},
        content_type="multipart/form-data")
    assert answer.status_code == 202, answer.get_json()
    job = answer.get_json()
    assert job["state"] == "queued"
    assert job["progress_url"] == f"/api/v1/members/imports/{job['id']}"

    # Cancelled while running: the worker stops after its first chunk.
    sessions = app.extensions["hub.sessions"]
    assert roll_jobs.take(sessions, "test-worker") == job["id"]
    cancel = client.post(f"/api/v1/members/imports/{job['id']}/cancel", headers=admin)
    assert cancel.status_code == 200 and cancel.get_json()["cancel_requested"] is True
    roll_jobs.run(sessions, job["id"], identity.IdKeys.from_config(config))
    stopped = client.get(job["progress_url"], headers=admin).get_json()
    assert stopped["state"] == "cancelled" and stopped["rows_total"] == 2000
    assert client.post(f"/api/v1/members/imports/{job['id']}/cancel",
                       headers=admin).status_code == 409

    # The same roll again, taken by a real worker (the scheduler's job) on its own.
    again = client.post("/api/v1/members/imports", headers=admin, data={
        "account": "dongguan", "file": (io.BytesIO(roll), "big.csv")},
        content_type="multipart/form-data").get_json()
    workers = Workers(config, sessions, worker_id="roll-test").start()
    try:
        deadline, seen = time.monotonic() + 120, {}
        while time.monotonic() < deadline:
            seen = client.get(again["progress_url"], headers=admin).get_json()
            if seen["state"] in ("done", "failed"):
                break
            time.sleep(0.2)
    finally:
        workers.stop()
    assert seen["state"] == "done", seen
    assert (seen["rows_total"], seen["rows_accepted"], seen["inserted"], seen["updated"]) == (
        5000, 5000, 3000, 2000)
    assert seen["rows_per_second"] > 0


def test_looking_a_member_up_by_name_or_number_is_audited(app, db, console_as):
    admin = console_as("gd-admin")
    page = admin.get("/console/a/dongguan/members")
    _upload(admin, page, roll_csv([["陈小华", GOOD, "13800000009", "dg-humen-garment", ""]]))
    run_queued_imports(app)
    by_name = admin.post("/console/a/dongguan/members/lookup",
                         data={"csrf_token": csrf_of(page), "q": "陈小华"})
    shown = by_name.get_data(as_text=True)
    assert by_name.status_code == 200 and "138****0009" in shown
    assert f"{GOOD[:4]}**********{GOOD[-4:]}" in shown and GOOD not in shown
    by_number = admin.post("/console/a/dongguan/members/lookup",
                           data={"csrf_token": csrf_of(page), "q": GOOD.lower()})
    assert "陈小华" in by_number.get_data(as_text=True)
    db.rollback()
    searched = [event.detail["searched"] for event in db.scalars(
        select(AuditEvent).where(AuditEvent.action == "member.lookup").order_by(AuditEvent.id))]
    assert searched == [{"name": "陈*华"},
                        {"id_number": f"{GOOD[:4]}**********{GOOD[-4:]}"}]


def test_a_job_that_breaks_ends_failed_and_leaves_no_upload_behind(app, client, db,
                                                                   token_for, demo):
    admin = token_for("gd-admin")
    roll = roll_csv([["张三", GOOD, "", "dg-humen-garment", ""]])
    job = client.post("/api/v1/members/imports", headers=admin, data={
        "account": "dongguan", "file": (io.BytesIO(roll), "roll.csv")},
        content_type="multipart/form-data").get_json()
    db.rollback()
    stored = b"".join(db.scalars(select(RollUploadPart.data)))
    assert stored and GOOD.encode() not in stored  # sealed at rest
    # A worker whose HUB_SECRET_KEY differs cannot unseal it: the job fails, plainly.
    sessions = app.extensions["hub.sessions"]
    roll_jobs.take(sessions, "odd-worker")
    roll_jobs.run(sessions, job["id"], identity.IdKeys.from_secret("another-secret"))
    ended = client.get(job["progress_url"], headers=admin).get_json()
    assert ended["state"] == "failed" and "导入中断" in ended["error"]
    db.rollback()
    assert db.scalar(select(RollUploadPart.seq)) is None


def test_an_admin_unbinds_a_member_who_changed_phone_from_the_lookup(app, db, console_as):
    """换绑 by hand: the member's entry leaves its old WeChat account, audited; an author of
    the account sees no such power."""
    from hub.members.models import MemberIdentity, MemberState

    admin = console_as("gd-admin")
    page = admin.get("/console/a/dongguan/members")
    _upload(admin, page, roll_csv([["陈小华", GOOD, "13800000009", "dg-humen-garment", ""]]))
    run_queued_imports(app)
    with app.extensions["hub.sessions"]() as writer:  # verified once, from the old phone
        member = writer.scalar(select(Member).where(Member.name == "陈小华"))
        member.openid, member.state = "o-old-phone", MemberState.verified
        writer.add(MemberIdentity(openid="o-old-phone", member_id=member.id))
        writer.commit()
        member_id = member.id
    found = admin.post("/console/a/dongguan/members/lookup",
                       data={"csrf_token": csrf_of(page), "q": "陈小华"}).get_data(as_text=True)
    assert "解除绑定" in found
    author = console_as("dg-editor")
    refused = author.post(f"/console/a/dongguan/members/{member_id}/unbind",
                          data={"csrf_token": csrf_of(author.get("/console/a/dongguan/posts"))},
                          follow_redirects=True)  # a console form's error comes back flashed
    assert "已解除" not in refused.get_data(as_text=True)
    db.rollback()
    assert db.get(Member, member_id).openid == "o-old-phone"
    done = admin.post(f"/console/a/dongguan/members/{member_id}/unbind",
                      data={"csrf_token": csrf_of(page)}, follow_redirects=True)
    assert "已解除「陈小华」与原微信的绑定" in done.get_data(as_text=True)
    db.rollback()
    member = db.get(Member, member_id)
    assert member.openid is None and member.state != MemberState.verified
    old = db.scalar(select(MemberIdentity).where(MemberIdentity.openid == "o-old-phone"))
    assert old.member_id is None
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "member.unbind"))
    assert event.subject_id == member_id
    again = admin.post("/console/a/dongguan/members/lookup",
                       data={"csrf_token": csrf_of(page), "q": "陈小华"}).get_data(as_text=True)
    assert "解除绑定" not in again and "未绑定" in again
    missing = admin.post("/console/a/dongguan/members/999999/unbind",
                         data={"csrf_token": csrf_of(page)}, follow_redirects=True)
    assert "没有编号为 999999 的会员" in missing.get_data(as_text=True)
