"""The WSDL of the hub's XMDS service (`GET /xmds.php?wsdl&v=N`), in the shape of the Xibo
CMS's `service_vN.wsdl`: an RPC/encoded SOAP 1.1 binding in namespace `urn:xmds`, one message
pair per operation, every part typed as the CMS types it. SOAP toolkits (and players built on
them) read it to learn the operations; only the operations the hub serves are listed.

Per version as the CMS has them: v3–v5 the v5 set, v6 adds ReportFaults, v7 drops BlackList.
"""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

KEYS = (("serverKey", "string"), ("hardwareKey", "string"))
# operation -> (documentation, request parts after the keys, response part and type)
OPERATIONS = {
    "RegisterDisplay": ("Register the Display with the CMS", (
        ("displayName", "string"), ("clientType", "string"), ("clientVersion", "string"),
        ("clientCode", "int"), ("operatingSystem", "string"), ("macAddress", "string"),
        ("xmrChannel", "string"), ("xmrPubKey", "string")), ("ActivationMessage", "string")),
    "RequiredFiles": ("The files required by the requesting display", (),
                      ("RequiredFilesXml", "string")),
    "GetFile": ("Gets the file requested", (
        ("fileId", "int"), ("fileType", "string"), ("chunkOffset", "double"),
        ("chuckSize", "double")), ("file", "base64Binary")),  # the CMS's spelling
    "Schedule": ("Gets the schedule", (), ("ScheduleXml", "string")),
    "BlackList": ("Set media to be blacklisted", (
        ("mediaId", "int"), ("type", "string"), ("reason", "string")), ("success", "boolean")),
    "ReportFaults": ("Report Player faults", (("fault", "string"),), ("success", "boolean")),
    "SubmitLog": ("Submit Logging from the Client", (("logXml", "string"),),
                  ("success", "boolean")),
    "SubmitStats": ("Submit Display statistics from the Client", (("statXml", "string"),),
                    ("success", "boolean")),
    "MediaInventory": ("Report back the clients MediaInventory",
                       (("mediaInventory", "string"),), ("success", "boolean")),
    "GetResource": ("Gets the file requested", (
        ("layoutId", "int"), ("regionId", "string"), ("mediaId", "string")),
        ("resource", "string")),
    "NotifyStatus": ("Report back the current status", (("status", "string"),),
                     ("success", "boolean")),
    "SubmitScreenShot": ("Submit a screen shot for a display",
                         (("screenShot", "base64Binary"),), ("success", "boolean")),
}
NAMESPACES = ('xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:tns="urn:xmds" '
              'xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" '
              'xmlns="http://schemas.xmlsoap.org/wsdl/" targetNamespace="urn:xmds"')
ENCODED = ('<soap:body use="encoded" namespace="urn:xmds" '
           'encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"/>')


def operations(version: int) -> list[str]:
    names = list(OPERATIONS)
    if version < 6:
        names.remove("ReportFaults")
    if version >= 7:
        names.remove("BlackList")
    return names


def _message(name: str, parts) -> str:
    inner = "".join(f'<part name="{part}" type="xsd:{kind}"/>' for part, kind in parts)
    return f'<message name="{name}">{inner}</message>'


def document(version: int, location: str) -> str:
    """The WSDL for XMDS version `version`, its service at `location`."""
    names = operations(version)
    messages, port, binding = [], [], []
    for name in names:
        documentation, parts, response = OPERATIONS[name]
        messages += [_message(f"{name}Request", (*KEYS, *parts)),
                     _message(f"{name}Response", (response,))]
        port.append(f'<operation name="{name}"><documentation>{documentation}</documentation>'
                    f'<input message="tns:{name}Request"/>'
                    f'<output message="tns:{name}Response"/></operation>')
        binding.append(f'<operation name="{name}"><soap:operation '
                       f'soapAction="urn:xmds#{name}" style="rpc"/>'
                       f"<input>{ENCODED}</input><output>{ENCODED}</output></operation>")
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<definitions {NAMESPACES}>'
            '<types><xsd:schema targetNamespace="urn:xmds">'
            '<xsd:import namespace="http://schemas.xmlsoap.org/soap/encoding/"/>'
            '<xsd:import namespace="http://schemas.xmlsoap.org/wsdl/"/></xsd:schema></types>'
            f'{"".join(messages)}<portType name="xmdsPortType">{"".join(port)}</portType>'
            '<binding name="xmdsBinding" type="tns:xmdsPortType"><soap:binding style="rpc" '
            'transport="http://schemas.xmlsoap.org/soap/http"/>'
            f'{"".join(binding)}</binding><service name="xmds"><port name="xmdsPort" '
            f'binding="tns:xmdsBinding"><soap:address location={quoteattr(location)}/>'
            "</port></service></definitions>")
