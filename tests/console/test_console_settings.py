"""账号设置 in the console: an account's admin changes its profile, renames, reorders, adds and
takes away columns, and creates a child account; what the API refuses the page refuses in the
same words, and nothing is half-saved; authors and reviewers do not reach it."""

from __future__ import annotations

import io

from console_support import csrf_of, fresh
from sqlalchemy import select

from hub.accounts.services import get_account
from hub.media.models import Media


def _post(client, account: str, what: str, **form):
    page = client.get(f"/console/a/{account}/settings")
    assert page.status_code == 200
    return client.post(f"/console/a/{account}/settings/{what}",
                       data={"csrf_token": csrf_of(page), **form}, follow_redirects=True)


def _columns(db, code: str) -> list[tuple[str, str]]:
    fresh(db)
    return [(c.slug, c.name) for c in get_account(db, code).columns]


def test_an_admin_changes_the_profile_and_a_bad_colour_changes_nothing(console_as, db):
    admin = console_as("gd-admin")
    done = _post(admin, "meizhou", "profile", name="梅州市总工会", short_name="梅州工会",
                 theme_color="#1d4e89", logo_url="", intro="服务梅州职工", requires_review="on")
    assert "已保存账号资料" in done.get_data(as_text=True)
    fresh(db)
    meizhou = get_account(db, "meizhou")
    assert (meizhou.short_name, meizhou.intro, meizhou.requires_review) == (
        "梅州工会", "服务梅州职工", True)

    refused = _post(admin, "meizhou", "profile", name="梅州市总工会", short_name="别的",
                    theme_color="红色", intro="改了")
    assert "theme_color" in refused.get_data(as_text=True)
    fresh(db)
    assert get_account(db, "meizhou").short_name == "梅州工会"


def test_columns_are_renamed_reordered_added_and_taken_away(console_as, db):
    admin = console_as("gd-admin")
    before = _columns(db, "meizhou")
    first, second = before[0][0], before[1][0]
    form = {f"name_{slug}": name for slug, name in before}
    form |= {f"order_{slug}": str(n + 1) for n, (slug, _) in enumerate(before)}
    form |= {f"name_{first}": "工会要闻", f"order_{first}": "2", f"order_{second}": "1",
             f"remove_{before[-1][0]}": "on", "new_name": "职工书屋", "new_slug": "books"}
    done = _post(admin, "meizhou", "columns", **form)
    assert "已保存栏目" in done.get_data(as_text=True)
    after = _columns(db, "meizhou")
    assert after[0][0] == second and after[1] == (first, "工会要闻")
    assert before[-1][0] not in [slug for slug, _ in after]
    assert after[-1] == ("books", "职工书屋")

    refused = _post(admin, "meizhou", "columns", **{f"name_{slug}": name for slug, name in after},
                    new_name="重复", new_slug=first)
    assert "栏目标识不能重复" in refused.get_data(as_text=True)
    assert _columns(db, "meizhou") == after


def test_a_child_account_is_created_below_and_levels_are_kept(console_as, db):
    admin = console_as("gd-admin")
    done = _post(admin, "meizhou", "children", name="梅州测试区总工会", code="mz-test",
                 level="district")
    assert "已建立下级账号「梅州测试区总工会」" in done.get_data(as_text=True)
    fresh(db)
    child = get_account(db, "mz-test")
    assert child.parent.code == "meizhou" and child.level == "district"

    taken = _post(admin, "meizhou", "children", name="又一个", code="mz-test", level="district")
    assert "账号代码 mz-test 已被使用" in taken.get_data(as_text=True)
    upward = _post(admin, "meizhou", "children", name="不行", code="mz-up", level="city")
    assert "不能建在" in upward.get_data(as_text=True)


def test_only_admins_reach_the_settings(console_as):
    assert console_as("mz-editor").get("/console/a/meizhou/settings").status_code == 403
    assert "账号设置" not in console_as("mz-editor").get(
        "/console/a/meizhou/").get_data(as_text=True)
    assert "账号设置" in console_as("gd-admin").get("/console/a/meizhou/").get_data(as_text=True)


def _png(color=(200, 16, 46), size=(240, 240)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()


PROFILE = {"name": "梅州市总工会", "theme_color": "#1d4e89", "intro": "服务梅州职工"}


def test_a_logo_uploaded_in_the_settings_is_the_accounts_own_media(console_as, db):
    admin = console_as("gd-admin")
    done = _post(admin, "meizhou", "profile", **PROFILE, logo_url="https://example.cn/old.png",
                 logo_file=(io.BytesIO(_png()), "梅州标志.png"))
    assert "已保存账号资料" in done.get_data(as_text=True)
    fresh(db)
    meizhou = get_account(db, "meizhou")
    logo = db.scalar(select(Media).where(Media.account_id == meizhou.id))
    assert logo.filename == "梅州标志.png"
    assert meizhou.logo_url == f"/media/{logo.id}/{logo.sha256[:16]}"  # the upload wins
    assert admin.get(meizhou.logo_url).status_code == 200
    page = admin.get("/console/a/meizhou/settings").get_data(as_text=True)
    assert f'src="{meizhou.logo_url}" alt="当前标志"' in page
    assert '<label for="s-logo-file">' in page and 'enctype="multipart/form-data"' in page

    refused = _post(admin, "meizhou", "profile", **PROFILE,
                    logo_file=(io.BytesIO(b"not a picture"), "x.png"))
    assert 'class="flash error"' in refused.get_data(as_text=True)
    fresh(db)
    assert get_account(db, "meizhou").logo_url == meizhou.logo_url


def test_a_logo_is_picked_from_the_library_or_given_by_address(console_as, db):
    admin = console_as("gd-admin")
    token = csrf_of(admin.get("/console/a/meizhou/settings"))
    for color in ((20, 80, 160), (30, 120, 60)):
        admin.post("/console/a/meizhou/media", data={
            "csrf_token": token, "file": (io.BytesIO(_png(color)), f"图{color[0]}.png")})
    fresh(db)
    meizhou = get_account(db, "meizhou")
    first, second = db.scalars(select(Media).where(Media.account_id == meizhou.id)
                               .order_by(Media.id)).all()
    page = admin.get("/console/a/meizhou/settings").get_data(as_text=True)
    assert "从素材库选择" in page
    for item in (first, second):  # each a labelled choice, by keyboard as by mouse
        assert f'type="radio" name="logo_media_id" id="logo-m{item.id}" value="{item.id}"' in page
        assert f'<label for="logo-m{item.id}">' in page

    _post(admin, "meizhou", "profile", **PROFILE, logo_url="", logo_media_id=str(first.id))
    fresh(db)
    assert get_account(db, "meizhou").logo_url == f"/media/{first.id}/{first.sha256[:16]}"

    # Another account's picture is not in this library: refused, nothing changes.
    dongguan_token = csrf_of(admin.get("/console/a/dongguan/settings"))
    theirs = admin.post("/console/a/dongguan/media", data={
        "csrf_token": dongguan_token, "file": (io.BytesIO(_png((9, 9, 9))), "东莞.png")})
    refused = _post(admin, "meizhou", "profile", **PROFILE,
                    logo_media_id=str(theirs.get_json()["id"]))
    assert "素材库里没有这张图片" in refused.get_data(as_text=True)
    fresh(db)
    assert get_account(db, "meizhou").logo_url == f"/media/{first.id}/{first.sha256[:16]}"

    # No upload and no pick: the address typed is the logo (empty: none).
    _post(admin, "meizhou", "profile", **PROFILE, logo_url="https://example.cn/mz.png",
          logo_media_id="")
    fresh(db)
    assert get_account(db, "meizhou").logo_url == "https://example.cn/mz.png"
    refused = _post(admin, "meizhou", "profile", **PROFILE, logo_url="mz.png")
    assert "素材库图片的地址" in refused.get_data(as_text=True)
    _post(admin, "meizhou", "profile", **PROFILE, logo_url="")
    fresh(db)
    assert get_account(db, "meizhou").logo_url is None
