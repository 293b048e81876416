"""A scripted OpenAI-compatible chat server on loopback: the real `openai:` provider path
(HTTP, JSON, tool calls) runs against it; only the words are scripted. `reply(body)` gets each
request's JSON and returns (status, body bytes); helpers build the usual answers."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def completion(body: dict, message: dict, finish: str = "stop") -> tuple[int, bytes]:
    data = {"id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": body["model"],
            "choices": [{"index": 0, "message": {"role": "assistant", **message},
                         "finish_reason": finish}],
            "usage": {"prompt_tokens": 50, "completion_tokens": 20, "total_tokens": 70}}
    return 200, json.dumps(data).encode()


def tool_call(body: dict, name: str, arguments: str | dict) -> tuple[int, bytes]:
    if not isinstance(arguments, str):
        arguments = json.dumps(arguments)
    call = {"id": "call_1", "type": "function", "function": {"name": name, "arguments": arguments}}
    return completion(body, {"content": None, "tool_calls": [call]}, "tool_calls")


def text(body: dict, words: str) -> tuple[int, bytes]:
    return completion(body, {"content": words})


def tool_names(body: dict) -> list[str]:
    return [t["function"]["name"] for t in body.get("tools", [])]


def system_text(body: dict) -> str:
    return " ".join(str(m.get("content")) for m in body.get("messages", [])
                    if m.get("role") in ("system", "developer"))


class ChatServer:
    def __init__(self, reply: Callable[[dict], tuple[int, bytes]]):
        self.requests: list[dict] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the http.server name
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.requests.append(body)
                status, data = reply(body)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                if status == 429:
                    self.send_header("Retry-After", "0")
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._http.server_port}/v1"

    def __enter__(self) -> ChatServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._http.shutdown()
        self._http.server_close()
