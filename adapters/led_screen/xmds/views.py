"""The XMDS endpoint (`POST /xmds.php?v=5&method=…`, v3 to v7 accepted), its WSDL
(`GET /xmds.php?wsdl`) and the layout files RequiredFiles points at. Pictures are downloaded
from the hub's immutable file URLs."""

from __future__ import annotations

from flask import Blueprint, Response, g, request

from adapters.led_screen.store import STORE
from adapters.led_screen.xmds import service, soap, wsdl
from adapters.led_screen.xmds.soap import SoapFault
from hub import api
from hub.errors import BadRequest, NotFound
from hub.ports import Unavailable, conditional

bp = Blueprint("led_xmds", __name__)
VERSIONS = {"3", "4", "5", "6", "7"}
MAX_REQUEST_BYTES = 16 * 1024 * 1024


def _register(db, secret, params, root):
    # A collection starts with RegisterDisplay: that is the call a fast poller repeats.
    service.check_collection_rate(db, secret, params, api.rate_limits())
    return service.register(db, secret, params, root)


def _required_files(db, secret, params, root):
    _, screen = service.approved_screen(db, secret, params)
    layouts = service.screen_layouts(db, screen, service.utcnow())
    return service.documents.required_files(layouts, root, screen.width, screen.height)


def _schedule(db, secret, params, root):
    display, screen = service.approved_screen(db, secret, params)
    return service.documents.schedule_xml(service.screen_layouts(db, screen, service.utcnow()),
                                          service.share_unit(display))


def _submit_stats(db, secret, params, root):
    _, screen = service.approved_screen(db, secret, params)
    service.submit_stats(db, screen, params.get("statXml", ""))
    return True


def _submit_log(db, secret, params, root):
    display, _ = service.approved_screen(db, secret, params)
    service.submit_log(display, params.get("logXml", ""))
    return True


def _notify_status(db, secret, params, root):
    display, screen = service.approved_screen(db, secret, params)
    service.notify_status(display, screen, params.get("status", ""))
    return True


def _media_inventory(db, secret, params, root):
    display, _ = service.approved_screen(db, secret, params)
    service.media_inventory(display, params.get("mediaInventory", ""))
    return True


def _screenshot(db, secret, params, root):
    display, _ = service.approved_screen(db, secret, params)
    service.submit_screenshot(db, display, params.get("screenShot", ""))
    return True


def _get_resource(db, secret, params, root):
    _, screen = service.approved_screen(db, secret, params)
    return service.text_resource(db, screen, service._int(params.get("layoutId")))


def _get_file(db, secret, params, root):
    service.approved_screen(db, secret, params)
    raise SoapFault("本 CMS 只提供 HTTP 下载（RequiredFiles 中的 path）")


def _acknowledge(db, secret, params, root):
    service.approved_screen(db, secret, params)
    return True


def _weather(db, secret, params, root):
    service.approved_screen(db, secret, params)
    return "{}"


# method -> (handler, the answer's part name)
METHODS = {
    "RegisterDisplay": (_register, "ActivationMessage"),
    "RequiredFiles": (_required_files, "RequiredFilesXml"),
    "Schedule": (_schedule, "ScheduleXml"),
    "SubmitStats": (_submit_stats, "success"),
    "SubmitLog": (_submit_log, "success"),
    "NotifyStatus": (_notify_status, "success"),
    "MediaInventory": (_media_inventory, "success"),
    "SubmitScreenShot": (_screenshot, "success"),
    "GetResource": (_get_resource, "resource"),
    "GetFile": (_get_file, "file"),
    "BlackList": (_acknowledge, "success"),
    "ReportFaults": (_acknowledge, "success"),
    "GetWeather": (_weather, "weather"),
}


def _xml(body: bytes, status: int = 200) -> Response:
    return Response(body, status=status, content_type="text/xml; charset=utf-8")


def _fault(error: SoapFault) -> Response:
    response = _xml(soap.fault(error), error.status)
    if error.retry_after:
        response.headers["Retry-After"] = str(error.retry_after)
    return response


@bp.post("/xmds.php")
def xmds():
    try:
        if request.args.get("v", "5") not in VERSIONS:
            raise SoapFault("不支持的 XMDS 版本（支持 v3–v7）")
        if (request.content_length or 0) > MAX_REQUEST_BYTES:
            raise SoapFault("请求过大")
        method, params = soap.parse_request(request.get_data(cache=False))
        if method not in METHODS:
            raise SoapFault(f"不支持的方法 {method}")
        handler, part = METHODS[method]
        root = conditional.root_of(request.environ)
        result = handler(g.db, STORE.config.secret(), params, root)
        g.db.commit()
        return _xml(soap.answer(method, part, result))
    except SoapFault as exc:
        g.db.rollback()
        return _fault(exc)
    except Unavailable:
        g.db.rollback()
        return _fault(SoapFault("数据库暂时不可用，请稍后再试", "Receiver"))


@bp.get("/xmds.php")
def xmds_wsdl():
    """The service's WSDL (`?wsdl`, as the CMS serves it), for SOAP toolkits and players that
    read it; `v` picks the version (5 when absent)."""
    if "wsdl" not in request.args and "WSDL" not in request.args:
        raise BadRequest("XMDS 只接受 SOAP POST；服务描述见 /xmds.php?wsdl", field="wsdl")
    version = request.args.get("v", "5")
    if version not in VERSIONS:
        raise BadRequest("不支持的 XMDS 版本（支持 v3–v7）", field="v")
    location = f"{conditional.root_of(request.environ)}xmds.php?v={version}"
    response = _xml(wsdl.document(int(version), location).encode())
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.get("/xmds/layouts/<int:item_id>-<int:width>x<int:height>.xlf")
def layout_file(item_id: int, width: int, height: int):
    xlf = service.layout_for_download(g.db, item_id, width, height)
    if xlf is None:
        raise NotFound("没有这个布局", field="layout")
    response = Response(xlf, mimetype="application/xml")
    response.headers["Cache-Control"] = "no-cache"  # the same address may carry a new version
    return response
