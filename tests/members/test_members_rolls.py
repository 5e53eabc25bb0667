"""Roll imports through the editor API: the report's reasons and line numbers, CSV in UTF-8
and GB18030, XLSX, re-imports that update and never duplicate, limits and permissions."""

from __future__ import annotations

import io
import re

import pytest
from members_helpers import HEADER, make_number, numbers, roll_csv, upload_and_import
from openpyxl import Workbook
from sqlalchemy import func, select

from hub.accounts.services import get_account
from hub.members.models import Member, RollImport, RollRejection


def upload(client, headers, data: bytes, account="dongguan", filename="roll.csv"):
    return upload_and_import(client, headers, data, account, filename)


def members_on(db, code: str) -> list[Member]:
    db.rollback()
    union = get_account(db, code)
    return list(db.scalars(select(Member).where(Member.account_id == union.id)
                           .order_by(Member.id)))


def test_a_roll_with_every_kind_of_mistake(client, token_for, db):
    admin = token_for("gd-admin")
    good = make_number(1)
    bad_check = good[:-1] + ("0" if good[-1] != "0" else "1")
    on_meizhou = make_number(2, region="441402")
    upload(client, admin, roll_csv([["梅州会员", on_meizhou, "", "mz-meijiang-hospital", ""]]),
           account="meizhou")
    rows = [
        ["张三", good, "13800000001", "dg-humen-garment", "2020-03-01"],  # line 2: in
        ["李四", bad_check, "13800000002", "dg-humen-garment", "2020-03-01"],  # 3: checksum
        ["王五", make_number(3), "13800000003", "dg-nowhere", ""],  # 4: unknown union
        ["赵六", make_number(4), "", "dg-humen", ""],  # 5: not grassroots
        ["钱七", make_number(5), "", "mz-meijiang-hospital", ""],  # 6: not under dongguan
        ["张三", good, "13800000001", "dg-humen-port", ""],  # 7: duplicate of line 2
        ["孙八", on_meizhou, "", "dg-humen-port", ""],  # 8: on another union's roll
        ["", make_number(6), "", "dg-humen-port", ""],  # 9: no name
        ["周九", make_number(7), "12345", "dg-humen-port", ""],  # 10: bad mobile
        ["吴十", make_number(8), "", "dg-humen-port", "去年"],  # 11: bad join date
        ["郑一", "44190019900101", "", "dg-humen-port", ""],  # 12: too short
        ["冯二", make_number(9), "138 0000 0012", "dg-humen-port", "2019/7/1"],  # 13: in
    ]
    answer = upload(client, admin, roll_csv(rows))
    assert answer.status_code == 200, answer.get_json()
    report = answer.get_json()
    assert (report["rows_total"], report["rows_accepted"], report["rows_rejected"]) == (12, 2, 10)
    assert report["state"] == "done" and report["inserted"] == 2
    reasons = {r["line"]: (r["code"], r["reason"]) for r in report["rejections"]}
    assert sorted(reasons) == [3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
    assert reasons[3] == ("id_checksum", "身份证号校验位错误")
    assert reasons[4][0] == "union_unknown"
    assert reasons[4][1].startswith("基层工会「dg-nowhere」不存在")
    assert reasons[5] == ("union_not_grassroots", "dg-humen 不是基层工会")
    assert reasons[6] == ("union_outside", "mz-meijiang-hospital 不在本账号之下")
    assert reasons[7] == ("duplicate_in_file", "身份证号与第 2 行重复")
    assert reasons[8] == ("on_other_roll", "已在其他工会的会员名册中")
    assert reasons[9][0] == "name_missing" and reasons[10][0] == "field_invalid"
    assert "手机号" in reasons[10][1] and "入会日期" in reasons[11][1]
    assert reasons[12][0] == "id_format"
    garment = members_on(db, "dg-humen-garment")
    port = members_on(db, "dg-humen-port")
    assert [m.name for m in garment] == ["张三"] and [m.name for m in port] == ["冯二"]
    assert port[0].mobile == "13800000012" and str(port[0].join_date) == "2019-07-01"
    # The bad row changed nothing on Meizhou's roll.
    assert [m.name for m in members_on(db, "mz-meijiang-hospital")] == ["梅州会员"]


def test_reimporting_updates_and_never_duplicates(client, token_for, db):
    admin = token_for("gd-admin")
    source = numbers()
    people = [[f"会员{i}", next(source), f"1390000{i:04d}", "dg-humen-garment", "2021-01-01"]
              for i in range(30)]
    first = upload(client, admin, roll_csv(people)).get_json()
    assert (first["inserted"], first["updated"]) == (30, 0)
    people[0][0], people[1][2] = "改名了", "13911112222"
    people.append(["新会员", next(source), "", "dg-humen-garment", ""])
    again = upload(client, admin, roll_csv(people)).get_json()
    assert (again["inserted"], again["updated"], again["rows_rejected"]) == (1, 30, 0)
    roll = members_on(db, "dg-humen-garment")
    assert len(roll) == 31
    assert roll[0].name == "改名了" and roll[1].mobile == "13911112222"
    assert db.scalar(select(func.count()).select_from(RollImport)) == 2


def test_duplicates_are_found_across_chunks(db, demo, keys):
    from hub.members import rolls

    source = numbers()
    same = next(source)
    rows = [(1, HEADER), (2, ["甲", same, "", "dg-humen-port", ""])]
    rows += [(n, [f"乙{n}", next(source), "", "dg-humen-port", ""]) for n in range(3, 12)]
    rows += [(12, ["丙", same, "", "dg-humen-port", ""])]
    report = rolls.import_roll(db, get_account(db, "dongguan"), iter(rows), keys=keys,
                               chunk_rows=4)
    assert report.record.rows_accepted == 10
    assert [(r.line, r.reason) for r in report.rejections] == [(12, "身份证号与第 2 行重复")]


def test_a_roll_without_header_uses_the_documented_order(client, token_for, db):
    rows = [["无表头", make_number(11), "13800001111", "dg-humen-port", "2018-08-08"]]
    report = upload(client, token_for("gd-admin"), roll_csv(rows, header=False)).get_json()
    assert report["rows_accepted"] == 1
    assert members_on(db, "dg-humen-port")[0].mobile == "13800001111"


def test_headers_in_another_order_and_gb18030(client, token_for, db):
    text = ("入会日期,基层工会代码,姓名,手机号码,身份证号码\r\n"
            f"2020-01-01,dg-humen-port,欧阳娜娜,13800002222,{make_number(12)}\r\n")
    report = upload(client, token_for("gd-admin"), text.encode("gb18030")).get_json()
    assert report["rows_accepted"] == 1, report
    assert members_on(db, "dg-humen-port")[0].name == "欧阳娜娜"


def test_an_undecodable_row_is_rejected_alone(client, token_for, db):
    data = roll_csv([["好人", make_number(13), "", "dg-humen-port", ""]])
    data += b"\xff\xfe\xfa," + make_number(14).encode() + b",,dg-humen-port,\n"
    report = upload(client, token_for("gd-admin"), data).get_json()
    assert report["rows_accepted"] == 1 and report["rejections"][0]["line"] == 3
    assert report["rejections"][0]["cells"][0] == "???"  # what did not decode, as text


def test_a_header_missing_a_required_column_is_refused(client, token_for, db):
    answer = upload(client, token_for("gd-admin"), "姓名,手机号\n张三,13800000000\n".encode())
    assert answer.status_code == 400
    assert answer.get_json()["fields"] == {"file": "表头缺少列：身份证号、基层工会代码或全称"}
    db.rollback()
    assert db.scalar(select(func.count()).select_from(RollImport)) == 0


def _xlsx(rows) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("名册")
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_xlsx_rolls_with_dates_numbers_and_text(client, token_for, db):
    import datetime as dt

    rows = [
        ["表格甲", make_number(21), 13800003333, "dg-humen-garment", dt.datetime(2019, 5, 4)],
        ["表格乙", int(make_number(22)[:17] + "0"), "", "dg-humen-garment", None],
        ["表格丙", make_number(23), None, "dg-humen-garment", "2022-02-02"],
    ]
    answer = upload(client, token_for("gd-admin"), _xlsx(rows), filename="名册.xlsx")
    report = answer.get_json()
    assert answer.status_code == 200 and report["format"] == "xlsx"
    assert report["rows_accepted"] == 2
    [rejected] = report["rejections"]
    cells = rejected.pop("cells")
    assert rejected == {"line": 3, "code": "id_numeric", "reason":
                        "身份证号被存成了数字，请把该列设为文本后重新导出"}
    # The cells as read (a number too long for Excel's floats), the ID number masked.
    assert cells[0] == "表格乙" and re.fullmatch(r"4419\*{10}\d{4}", cells[1])
    assert cells[2:] == ["", "dg-humen-garment", ""]
    roll = members_on(db, "dg-humen-garment")
    assert [(m.name, m.mobile, str(m.join_date)) for m in roll] == [
        ("表格甲", "13800003333", "2019-05-04"), ("表格丙", None, "2022-02-02")]


def test_a_broken_xlsx_and_an_old_xls_are_refused(client, token_for):
    admin = token_for("gd-admin")
    broken = upload(client, admin, b"PK\x03\x04 not really a zip", filename="a.xlsx")
    assert broken.status_code == 400 and broken.get_json()["fields"]["file"]
    old = upload(client, admin, b"\xd0\xcf\x11\xe0 legacy", filename="a.xls")
    assert old.status_code == 400 and ".xls" in old.get_json()["message"]


def test_uploads_over_the_limit_get_413(app, client, token_for):
    app.config["HUB_ROLL_MAX_BYTES"] = 2000
    rows = [[f"人{i}", make_number(i), "", "dg-humen-port", ""] for i in range(100)]
    answer = upload(client, token_for("gd-admin"), roll_csv(rows))
    assert answer.status_code == 413 and answer.get_json()["error"]


def test_importing_needs_admin_on_the_account(client, token_for):
    rows = [["某人", make_number(31), "", "dg-humen-port", ""]]
    assert upload(client, token_for("dg-editor"), roll_csv(rows)).status_code == 403
    assert upload(client, token_for("gd-admin"), b"", account="").status_code == 400


def test_every_rejection_can_be_read_page_by_page(client, token_for, db):
    from hub.members import rolls

    admin = token_for("gd-admin")
    rows = [[f"人{i}", make_number(i)[:-1] + "Y", "", "dg-humen-port", ""] for i in range(25)]
    old_cap, rolls.REPORTED_REJECTIONS = rolls.REPORTED_REJECTIONS, 10
    try:
        report = upload(client, admin, roll_csv(rows)).get_json()
    finally:
        rolls.REPORTED_REJECTIONS = old_cap
    assert len(report["rejections"]) == 10 and report["rejections_truncated"]
    seen, after = [], 0
    while after is not None:
        page = client.get(f"/api/v1/members/imports/{report['id']}/rejections"
                          f"?after_line={after}&limit=7", headers=admin).get_json()
        seen += [r["line"] for r in page["rejections"]]
        after = page["next_after_line"]
    assert seen == list(range(2, 27))
    db.rollback()
    assert db.scalar(select(func.count()).select_from(RollRejection)) == 25
    listing = client.get("/api/v1/members/imports?account=dongguan", headers=admin).get_json()
    assert [i["id"] for i in listing["imports"]] == [report["id"]]
    one = client.get(f"/api/v1/members/imports/{report['id']}", headers=admin).get_json()
    assert one["rows_rejected"] == 25 and one["rejections_truncated"] is False
    assert client.get(f"/api/v1/members/imports/{report['id']}",
                      headers=token_for("mz-editor")).status_code == 403


@pytest.mark.parametrize("blank", ["", ",,,,", " , , , , "])
def test_blank_lines_are_skipped(client, token_for, db, blank):
    data = (",".join(HEADER) + "\n" + blank + "\n"
            + f"空行后,{make_number(41)},,dg-humen-port,\n").encode()
    report = upload(client, token_for("gd-admin"), data).get_json()
    assert report["rows_total"] == 1 and report["rows_accepted"] == 1


def test_a_union_is_named_by_its_code_or_its_exact_full_name(client, token_for, db):
    """Union staff know their unions by name: the full name is taken as the code is (spaces
    and full-width letters aside); a near miss names the nearest unions, a wild one says
    where the codes are, a town union is no grassroots union, and another city's is unknown."""
    source = numbers()
    rows = [
        ["甲", next(source), "", "虎门镇服装行业联合工会", ""],  # line 2: in, by name
        ["乙", next(source), "", " 虎门港务职工工会 ", ""],  # 3: in, spaces around
        ["丙", next(source), "", "DG-Humen-Port", ""],  # 4: in, a code in capitals
        ["丁", next(source), "", "虎门镇服装行业工会", ""],  # 5: near miss
        ["戊", next(source), "", "天河区某某公司", ""],  # 6: nothing like it
        ["己", next(source), "", "虎门镇总工会", ""],  # 7: a town, not grassroots
        ["庚", next(source), "", "梅江区人民医院工会委员会", ""],  # 8: not below Dongguan
    ]
    report = upload(client, token_for("gd-admin"), roll_csv(rows)).get_json()
    assert (report["rows_accepted"], report["rows_rejected"]) == (3, 4), report
    reasons = {r["line"]: (r["code"], r["reason"]) for r in report["rejections"]}
    assert reasons[5][0] == "union_unknown"
    assert "相近的有：虎门镇服装行业联合工会（dg-humen-garment）" in reasons[5][1]
    assert reasons[6][0] == "union_unknown" and "相近的有" not in reasons[6][1]
    assert "名册模板的「工会代码」工作表" in reasons[6][1]
    assert reasons[7] == ("union_not_grassroots", "虎门镇总工会 不是基层工会")
    assert reasons[8][0] == "union_unknown"
    assert [m.name for m in members_on(db, "dg-humen-garment")] == ["甲"]
    assert [m.name for m in members_on(db, "dg-humen-port")] == ["乙", "丙"]


def test_a_name_two_unions_share_must_be_given_as_a_code(db, demo, keys):
    from hub.accounts.services import create_account
    from hub.members import rolls

    changan = get_account(db, "dg-changan")
    create_account(db, code="dg-changan-garment", name="虎门镇服装行业联合工会",
                   level="grassroots", parent=changan)
    db.commit()
    source = numbers()
    rows = [(1, HEADER), (2, ["甲", next(source), "", "虎门镇服装行业联合工会", ""]),
            (3, ["乙", next(source), "", "dg-changan-garment", ""])]
    report = rolls.import_roll(db, get_account(db, "dongguan"), iter(rows), keys=keys)
    assert report.record.rows_accepted == 1
    [ambiguous] = report.rejections
    assert (ambiguous.line, ambiguous.code) == (2, "union_ambiguous")
    assert "dg-humen-garment" in ambiguous.reason and "dg-changan-garment" in ambiguous.reason
    # Below Humen alone the name is unique again.
    again = rolls.import_roll(db, get_account(db, "dg-humen"), iter(rows[:2]), keys=keys)
    assert again.record.rows_accepted == 1


def test_unions_are_read_once_per_import_not_per_row_or_chunk(app, db, demo, keys):
    from sqlalchemy import event

    from hub.members import rolls

    source = numbers()
    unions = ("虎门镇服装行业联合工会", "dg-humen-port", "虎门港务职工工会")
    rows = [(1, HEADER)] + [(n, [f"会员{n}", next(source), "", unions[n % 3], ""])
                            for n in range(2, 62)]
    dongguan = get_account(db, "dongguan")
    statements = []
    engine = db.get_bind()

    def seen(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        report = rolls.import_roll(db, dongguan, iter(rows), keys=keys, chunk_rows=7)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert report.record.rows_accepted == 60
    from_accounts = [s for s in statements if re.search(r"FROM accounts\b", s)]
    # One query of the subtree for nine chunks, besides the day's snapshot afterwards.
    assert len([s for s in from_accounts if "GROUP BY" not in s]) == 1, from_accounts
