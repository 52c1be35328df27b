"""HTTP jobs: one request with httpx; TLS verified, redirects followed.

The request runs in a helper thread that the attempt's worker watches, so a
cancel or the job's deadline ends the attempt at once, even while the server
keeps the connection open without answering (a blocked read cannot be
interrupted from outside; the helper thread is a daemon, left to finish or
fail on its own).
"""

from __future__ import annotations

import threading
import time
from typing import Any

from runner.execute.context import AttemptContext, Outcome
from runner.units import fmt_number

BODY_SHOWN = 2000  # characters of the response body written to the log
DEFAULT_TIMEOUT = 30.0  # seconds of silence before giving up, when the job has no timeout
POLL = 0.05


def _expected(codes: tuple[int, ...] | None) -> str:
    return "any 2xx" if not codes else ", ".join(str(c) for c in codes)


def request(ctx: AttemptContext) -> Outcome:
    import httpx

    job = ctx.job
    method = (job.method or "GET").upper()
    url = job.url or ""
    remaining = ctx.remaining()
    client = httpx.Client(follow_redirects=True, timeout=httpx.Timeout(remaining or DEFAULT_TIMEOUT))
    done: dict[str, Any] = {}

    def send() -> None:
        try:  # streamed: only the start of the body is read, however big it is
            with client.stream(method, url, headers=dict(job.headers), content=job.body) as response:
                done["body"] = _start_of_body(response)
                done["response"] = response
        except BaseException as exc:  # noqa: BLE001 - handed to the worker below
            done["error"] = exc

    ctx.log(f"{method} {url}\n")
    started = time.monotonic()
    sender = threading.Thread(target=send, name=f"jobrun-http-{job.id}", daemon=True)
    sender.start()
    while sender.is_alive():
        sender.join(POLL)
        if sender.is_alive() and ctx.cancelled:
            _abandon(client)
            ctx.log("cancelled\n")
            return Outcome(False, f"Job '{job.id}' was cancelled", stopped="cancelled")
        if sender.is_alive() and remaining is not None and ctx.remaining() == 0:
            _abandon(client)
            return _timed_out(ctx)
    client.close()
    error = done.get("error")
    if isinstance(error, httpx.TimeoutException):
        return _timed_out(ctx) if remaining is not None else _failed(ctx, error)
    if error is not None:
        return _failed(ctx, error)
    response = done["response"]
    elapsed = (time.monotonic() - started) * 1000
    status = response.status_code
    ctx.log(f"-> {status} {response.reason_phrase} in {elapsed:.0f} ms\n")
    text = done["body"]
    ctx.log(text[:BODY_SHOWN] + ("\n[... body truncated]\n" if len(text) > BODY_SHOWN else "\n" if text else ""))
    ok = status in job.expected_status if job.expected_status else 200 <= status < 300
    if ok:
        return Outcome(True, http_status=status)
    return Outcome(False, f"Job '{job.id}' failed: HTTP {status} (expected {_expected(job.expected_status)})",
                   http_status=status)


def _start_of_body(response: Any) -> str:
    """The body's first BODY_SHOWN characters, and one more when there are
    more (the rest is never read: the connection closes with the response)."""
    parts: list[str] = []
    size = 0
    for chunk in response.iter_text():
        parts.append(chunk)
        size += len(chunk)
        if size > BODY_SHOWN:
            break
    return "".join(parts)[: BODY_SHOWN + 1]


def _abandon(client: Any) -> None:
    try:
        client.close()
    except Exception:  # noqa: BLE001 - closing under a running request may raise anything
        pass


def _failed(ctx: AttemptContext, error: BaseException) -> Outcome:
    reason = str(error) or type(error).__name__
    ctx.log(f"error: {type(error).__name__}: {reason}\n")
    return Outcome(False, f"Job '{ctx.job.id}' failed: {reason} ({type(error).__name__})")


def _timed_out(ctx: AttemptContext) -> Outcome:
    ctx.log("error: timed out\n")
    return Outcome(False, f"Job timed out after {fmt_number(ctx.timeout or 0)} seconds", stopped="timeout")
