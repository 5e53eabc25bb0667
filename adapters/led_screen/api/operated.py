"""LED editors' API, rented billboards: mark a screen as operated (its slot), list its
packages with their signed links, upload the operator's play report. The operator's own
download (`/led/v1/operator-packages/…`, signed and expiring) is here too."""

from __future__ import annotations

from flask import Response, current_app, g, request
from pydantic import BaseModel, ConfigDict, Field

from adapters.led_screen import operated, services
from adapters.led_screen.api.common import TAG, bp
from adapters.led_screen.api.screens import screen_for
from adapters.led_screen.protocol import bp as protocol_bp
from adapters.led_screen.store import STORE
from hub import api
from hub.api import route
from hub.errors import BadRequest, Forbidden, HubError
from hub.ports import root_of, utcnow


class SlotIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    operator: str = Field(min_length=1, max_length=100, description="运营方名称")
    contact: str = Field(default="", max_length=200, description="联系人与电话")
    seconds_per_loop: int = Field(ge=1, le=3600, description="每轮秒数")
    loops_per_hour: int = Field(ge=1, le=3600, description="每小时轮次")
    from_date: str = Field(description="档期开始 YYYY-MM-DD")
    to_date: str = Field(description="档期结束 YYYY-MM-DD")
    start: str = Field(default="00:00", description="每天开始 HH:MM")
    end: str = Field(default="24:00", description="每天结束 HH:MM")
    webhook_url: str = Field(default="", max_length=500,
                             description="撤下内容时通知运营方的回调地址（签名 POST），可留空")


class SlotOut(SlotIn):
    screen: str
    webhook_secret: str | None = Field(
        default=None, description="运营方校验回调签名（X-Hub-Signature-256）用的密钥")


class PackageOut(BaseModel):
    item_id: int
    title: str
    file_name: str
    md5: str
    sha256: str
    withdrawn: bool
    link: str = Field(description="运营方下载投放包（ZIP）的签名链接，有效期 14 天")


class PackageList(BaseModel):
    screen: str
    operator: str
    packages: list[PackageOut]


class ReportProblem(BaseModel):
    line: int
    reason: str


class ReportOut(BaseModel):
    rows: int
    matched_rows: int
    plays: int
    duplicate: bool = Field(description="同一文件已上传过：不重复计数")
    problems: list[ReportProblem] = Field(description="未匹配的行及原因")


def slot_out(screen, slot) -> SlotOut:
    secret = operated.webhook_secret(current_app.config["HUB"].secret(), screen.code) \
        if slot.webhook_url else None
    return SlotOut(screen=screen.code, operator=slot.operator, contact=slot.contact,
                   seconds_per_loop=slot.seconds_per_loop, loops_per_hour=slot.loops_per_hour,
                   from_date=slot.from_date, to_date=slot.to_date, start=slot.start,
                   end=slot.end, webhook_url=slot.webhook_url, webhook_secret=secret)


@route(bp, "/screens/<code>/operated", "PUT", summary="Mark a screen as operated by an "
       "advertising company (admin): operator, contact, the slot", tag=TAG, body=SlotIn,
       response=SlotOut)
def set_slot(code: str, body: SlotIn):
    screen = screen_for(code, "admin")
    return slot_out(screen, operated.set_slot(g.db, screen, body.model_dump(), actor=g.user))


def package_list(db, screen, secret: str, root: str) -> PackageList:
    slot = operated.slot_of(db, screen)
    if slot is None:
        raise BadRequest(f"屏幕 {screen.code} 不是运营方代播的屏幕", field="screen")
    now = utcnow()
    return PackageList(screen=screen.code, operator=slot.operator, packages=[PackageOut(
        item_id=p.item.id, title=p.item.title, file_name=p.file_name, md5=p.md5,
        sha256=p.rendition.file_sha256, withdrawn=p.withdrawn,
        link=operated.link(secret, root, screen.code, p.item.id, now))
        for p in operated.packages(db, screen, with_withdrawn=True)])


@route(bp, "/screens/<code>/packages", "GET", summary="An operated screen's packages (one "
       "per item: still, schedule sheet, note) with their signed links", tag=TAG,
       response=PackageList)
def list_packages(code: str):
    screen = screen_for(code)
    return package_list(g.db, screen, current_app.config["HUB"].secret(),
                        root_of(request.environ))


@route(bp, "/screens/<code>/operator-report", "POST", summary="Upload the operator's play "
       "report (multipart file: CSV or XLSX with date, hour, file MD5 or SHA-256, plays): "
       "matched rows count as plays of the screen, once per file", tag=TAG,
       response=ReportOut, multipart={"file": "file"}, errors=(413,))
def upload_report(code: str):
    screen = screen_for(code, "author", "reviewer", "admin")
    if operated.slot_of(g.db, screen) is None:
        raise BadRequest(f"屏幕 {screen.code} 不是运营方代播的屏幕", field="screen")
    upload = request.files.get("file")
    if upload is None:
        raise BadRequest("缺少 file 文件", field="file")
    data = upload.stream.read(operated.MAX_REPORT_BYTES + 1)
    return ReportOut(**operated.count_report(g.db, screen, data, upload.filename or ""))


class PackageQuery(BaseModel):
    expires: str = Field(description="链接到期时间（Unix 秒）")
    sig: str = Field(description="签名")


class Gone(HubError):
    status, code = 410, "withdrawn"


@protocol_bp.get("/led/v1/operator-packages/<code>/<int:item_id>.zip")
def download_package(code: str, item_id: int):
    secret = current_app.config["HUB"].secret()
    if not operated.link_is_valid(secret, code, item_id, request.args.get("expires", ""),
                                  request.args.get("sig", ""), utcnow()):
        raise Forbidden("链接无效或已过期，请向发布方索取新链接")
    no_film = _make_video(code, item_id)
    with STORE.reading() as db:  # a new read: it sees the video just kept
        package = operated.package_of(db, services.get_screen(db, code), item_id)
        if package.withdrawn:
            raise Gone("已撤回：该内容已撤回，请停止播放")
        data = operated.archive(db, package, no_film)
    response = Response(data, mimetype="application/zip")
    response.headers["Content-Disposition"] = \
        f'attachment; filename="{code}-{item_id}.zip"'
    return response


def _make_video(code: str, item_id: int) -> str:
    """Make the package's MP4 unless it was made (seconds of CPU outside any write, then
    one short write to keep it); the reason when there can be none."""
    with STORE.reading() as db:
        package = operated.package_of(db, services.get_screen(db, code), item_id)
        if package.withdrawn or operated.kept_video(db, package) is not None:
            return ""
        data, no_film = operated.film(db, package)
    if data is not None:
        with STORE.session() as db:
            operated.keep_video(db, package, data)
            db.commit()
    return no_film


api.OPERATIONS.append(api.Operation(
    "get", "/led/v1/operator-packages/{code}/{item_id}.zip", "An operator's package (ZIP: "
    "the slide as MP4 at the screen's canvas and the slot's length, the still, the schedule "
    "sheet, a note) by its signed, expiring link; 410 once withdrawn",
    TAG, query=PackageQuery, auth=None, errors=(403, 404, 410), media_type="application/zip",
    path_types={"item_id": api.INTEGER_PARAMETER}))
