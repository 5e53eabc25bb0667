"""SOAP 1.1 envelopes of XMDS: read a request's method and string parameters (defusedxml, sizes
capped), write an answer or a fault.

Every XMDS parameter is a string (`xsi:type="xsd:string"`), even numbers and base64; answers
carry their XML document as escaped text in the first child of `<ns1:{Method}Response>`.
A fault goes out with HTTP 500, as SOAP 1.1 (section 6.2) says and as the Xibo CMS (PHP's
SoapServer throwing SoapFault) does: Xibo's players read the Fault element of a 500. The
`@xiboplayer` packages retry a 5xx twice and then report "XMDS <method> failed: 500" without
reading it; both go on with what they hold. A player collecting too often gets 429 with
Retry-After (the fault says why), which `@xiboplayer`'s fetch waits out before trying again.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

ENVELOPE_NS = "http://schemas.xmlsoap.org/soap/envelope/"
MAX_PARAMETERS = 20
MAX_PARAMETER_CHARS = 12 * 1024 * 1024  # a screenshot in base64; others are capped lower


class SoapFault(Exception):
    """A request the hub refuses: `code` is Sender (the player's fault) or Receiver."""

    status = 500  # SOAP 1.1 over HTTP: every fault is a 500
    retry_after: int | None = None

    def __init__(self, message: str, code: str = "Sender"):
        super().__init__(message)
        self.message, self.code = message, code


class TooOften(SoapFault):
    """A display collecting faster than its collection interval: 429 with Retry-After."""

    status = 429

    def __init__(self, message: str, retry_after: int):
        super().__init__(message, "Sender")
        self.retry_after = max(1, retry_after)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1]


def parse_request(body: bytes) -> tuple[str, dict[str, str]]:
    """(method, {parameter: text}) of a SOAP request; SoapFault when it is not one."""
    try:
        root = ElementTree.fromstring(body, forbid_dtd=True)
    except (ElementTree.ParseError, DefusedXmlException, ValueError):
        raise SoapFault("请求不是有效的 SOAP XML") from None
    soap_body = next((child for child in root if _local(child.tag) == "Body"), None)
    if _local(root.tag) != "Envelope" or soap_body is None or len(soap_body) == 0:
        raise SoapFault("请求缺少 SOAP Envelope/Body")
    call = soap_body[0]
    if len(call) > MAX_PARAMETERS:
        raise SoapFault("参数过多")
    params = {}
    for child in call:
        text = child.text or ""
        if len(text) > MAX_PARAMETER_CHARS:
            raise SoapFault(f"参数 {_local(child.tag)} 过长")
        params[_local(child.tag)] = text
    return _local(call.tag), params


def _envelope(inner: str) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<SOAP-ENV:Envelope xmlns:SOAP-ENV="{ENVELOPE_NS}" xmlns:ns1="urn:xmds" '
            'xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            'xmlns:SOAP-ENC="http://schemas.xmlsoap.org/soap/encoding/" '
            'SOAP-ENV:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/">'
            f'<SOAP-ENV:Body>{inner}</SOAP-ENV:Body></SOAP-ENV:Envelope>').encode()


def answer(method: str, part: str, value: str | bool, xsd_type: str = "string") -> bytes:
    """The method's response with one part: an XML document as text, or a boolean."""
    if isinstance(value, bool):
        value, xsd_type = ("true" if value else "false"), "boolean"
    return _envelope(f'<ns1:{method}Response><{part} xsi:type="xsd:{xsd_type}">'
                     f'{escape(value)}</{part}></ns1:{method}Response>')


def fault(error: SoapFault) -> bytes:
    return _envelope(f"<SOAP-ENV:Fault><faultcode>SOAP-ENV:{error.code}</faultcode>"
                     f"<faultstring>{escape(error.message)}</faultstring></SOAP-ENV:Fault>")


def parse_document(text: str, what: str, limit: int):
    """An XML document a player sent inside a parameter (statXml, logXml, mediaInventory)."""
    if len(text) > limit:
        raise SoapFault(f"{what} 过大（上限 {limit // 1024} KB）")
    try:
        return ElementTree.fromstring(text.encode(), forbid_dtd=True)
    except (ElementTree.ParseError, DefusedXmlException, ValueError):
        raise SoapFault(f"{what} 不是有效的 XML") from None
