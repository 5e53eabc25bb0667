"""Calling an outlet over HTTP, with the failure classes the pipeline understands.

Shared by adapters so each maps HTTP the same way: 5xx, 429 and network trouble pass;
401/403 mean the credentials stopped working; any other 4xx is a refusal an editor must see.
One thread-safe keep-alive pool (urllib3) serves every worker thread: a fan-out to a thousand
targets spends its time waiting on the outlets, not building requests.
"""

from __future__ import annotations

import json as jsonlib

import urllib3

from hub.channels import CredentialsError, PermanentError, TransientError

TIMEOUT = urllib3.Timeout(connect=5, read=30)  # an outlet slower than this is treated as busy
_pool = urllib3.PoolManager(num_pools=64, maxsize=64, retries=False, timeout=TIMEOUT)


class Response:
    def __init__(self, status: int, data: bytes, reason: str):
        self.status, self.data, self.reason = status, data, reason

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def json(self):
        return jsonlib.loads(self.data or b"null")


def classify(response: Response) -> None:
    """Raise the pipeline's error for a failed response; return quietly on 2xx."""
    if response.ok:
        return
    detail = _detail(response)
    if response.status in (401, 403):
        raise CredentialsError(f"终端拒绝了凭据（HTTP {response.status}）：{detail}")
    if response.status == 429 or response.status >= 500:
        raise TransientError(f"终端暂时不可用（HTTP {response.status}）：{detail}")
    raise PermanentError(f"终端拒收（HTTP {response.status}）：{detail}")


def _detail(response: Response) -> str:
    try:
        body = response.json()
        if isinstance(body, dict):
            return str(body.get("message") or body.get("error") or body)[:300]
    except ValueError:
        pass
    return response.data.decode("utf-8", "replace")[:300] or response.reason


def send(method: str, url: str, *, json=None, data: bytes | None = None,
         headers: dict | None = None) -> Response:
    headers = dict(headers or {})
    if json is not None:
        data = jsonlib.dumps(json, ensure_ascii=False).encode()
        headers.setdefault("Content-Type", "application/json; charset=utf-8")
    try:
        raw = _pool.request(method, url, body=data, headers=headers, preload_content=True)
    except urllib3.exceptions.TimeoutError:
        raise TransientError(f"终端无响应（超时）：{url}") from None
    except urllib3.exceptions.HTTPError as exc:
        raise TransientError(f"无法连接终端：{url}（{type(exc).__name__}）") from None
    response = Response(raw.status, raw.data, raw.reason or "")
    classify(response)
    return response
