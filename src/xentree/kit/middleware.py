"""Pure-ASGI middleware: request ids, body-size limits and the last-resort 500."""

from __future__ import annotations

import json
import logging
import re
import uuid
from contextvars import ContextVar

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from xentree.kit.errors import PayloadTooLarge

logger = logging.getLogger("xentree.request")

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")
_SANE_ID = re.compile(r"^[A-Za-z0-9._:@/+=-]{1,128}$")


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


def _error_response(
    status: int, body: dict[str, object], request_id: str
) -> tuple[Message, Message]:
    payload = json.dumps(body).encode()
    start: Message = {
        "type": "http.response.start",
        "status": status,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(payload)).encode()),
            (b"x-request-id", request_id.encode()),
        ],
    }
    return start, {"type": "http.response.body", "body": payload}


class RequestContextMiddleware:
    """Gives every request an id (echoing a sane client one), puts it on the response and in
    the logs, refuses bodies over the limit with 413, and turns anything unhandled into a 500
    whose body names the request id and nothing internal."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        max_upload_bytes: int,
        upload_paths: tuple[str, ...] = (),
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_upload_bytes = max_upload_bytes
        self.upload_paths = upload_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = ""
        content_length: int | None = None
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                incoming = value.decode("latin-1")
            elif name == b"content-length":
                try:
                    content_length = int(value)
                except ValueError:
                    content_length = None
        request_id = incoming if _SANE_ID.match(incoming) else str(uuid.uuid4())
        token = request_id_var.set(request_id)
        scope.setdefault("state", {})["request_id"] = request_id
        limit = (
            self.max_upload_bytes
            if scope["path"].startswith(self.upload_paths) and self.upload_paths
            else self.max_body_bytes
        )
        response_started = False
        too_large = False
        too_large_error = PayloadTooLarge(f"The request body exceeds {limit} bytes")

        async def send_with_id(message: Message) -> None:
            nonlocal response_started
            if too_large:
                # The app saw the body cut short (FastAPI answers "error parsing the body");
                # whatever it answers, the client gets the 413 it deserves.
                if message["type"] == "http.response.start" and not response_started:
                    response_started = True
                    start, body = _error_response(413, too_large_error.body(), request_id)
                    await send(start)
                    await send(body)
                return
            if message["type"] == "http.response.start":
                response_started = True
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", request_id.encode()),
                ]
            await send(message)

        received = 0

        async def limited_receive() -> Message:
            nonlocal received, too_large
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    too_large = True
                    raise too_large_error
            return message

        try:
            if content_length is not None and content_length > limit:
                start, body = _error_response(413, too_large_error.body(), request_id)
                await send(start)
                await send(body)
                return
            await self.app(scope, limited_receive, send_with_id)
        except Exception:
            logger.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            if response_started:
                raise
            start, body = _error_response(
                500,
                {
                    "detail": {
                        "error": "internal_error",
                        "message": "Internal server error",
                        "request_id": request_id,
                    }
                },
                request_id,
            )
            await send(start)
            await send(body)
        finally:
            request_id_var.reset(token)
