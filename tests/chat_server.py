"""A scripted chat server on loopback that speaks the OpenAI chat-completions protocol (the
`openai:` and `ollama:` providers) and Anthropic's messages protocol (`anthropic:`): the real
provider paths (HTTP, JSON, tool calls) run against it; only the words are scripted.
`reply(body)` gets each request's JSON and returns (status, body bytes); the helpers below build
the usual answers in whichever protocol the request came in."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def is_anthropic(body: dict) -> bool:
    """Anthropic's requests carry the instructions apart and tools with an input_schema."""
    return "system" in body or any("input_schema" in t for t in body.get("tools", []))


def completion(body: dict, message: dict, finish: str = "stop") -> tuple[int, bytes]:
    data = {"id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": body["model"],
            "choices": [{"index": 0, "message": {"role": "assistant", **message},
                         "finish_reason": finish}],
            "usage": {"prompt_tokens": 50, "completion_tokens": 20, "total_tokens": 70}}
    return 200, json.dumps(data).encode()


def _anthropic_message(body: dict, content: list[dict], stop: str) -> tuple[int, bytes]:
    data = {"id": "msg_1", "type": "message", "role": "assistant", "model": body["model"],
            "content": content, "stop_reason": stop, "stop_sequence": None,
            "usage": {"input_tokens": 50, "output_tokens": 20}}
    return 200, json.dumps(data).encode()


def tool_call(body: dict, name: str, arguments: str | dict) -> tuple[int, bytes]:
    if is_anthropic(body):
        if isinstance(arguments, str):  # arguments that are not JSON: a string where an
            arguments = {"value": arguments}  # object belongs, as near as the protocol allows
        return _anthropic_message(body, [{"type": "tool_use", "id": "toolu_1", "name": name,
                                          "input": arguments}], "tool_use")
    if not isinstance(arguments, str):
        arguments = json.dumps(arguments)
    call = {"id": "call_1", "type": "function", "function": {"name": name, "arguments": arguments}}
    return completion(body, {"content": None, "tool_calls": [call]}, "tool_calls")


def text(body: dict, words: str) -> tuple[int, bytes]:
    if is_anthropic(body):
        return _anthropic_message(body, [{"type": "text", "text": words}], "end_turn")
    return completion(body, {"content": words})


def error(body: dict, status: int, message: str) -> tuple[int, bytes]:
    if is_anthropic(body):
        kind = "rate_limit_error" if status == 429 else "api_error"
        return status, json.dumps({"type": "error", "error": {"type": kind,
                                                              "message": message}}).encode()
    kind = "rate_limit_exceeded" if status == 429 else "server_error"
    return status, json.dumps({"error": {"message": message, "type": kind}}).encode()


def tool_names(body: dict) -> list[str]:
    return [t["name"] if "name" in t else t["function"]["name"] for t in body.get("tools", [])]


def system_text(body: dict) -> str:
    if is_anthropic(body):
        system = body.get("system", "")
        return system if isinstance(system, str) else " ".join(b.get("text", "") for b in system)
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
        """For the OpenAI and Ollama clients, which append /chat/completions."""
        return f"http://127.0.0.1:{self._http.server_port}/v1"

    @property
    def root(self) -> str:
        """For the Anthropic client, which appends /v1/messages."""
        return f"http://127.0.0.1:{self._http.server_port}"

    def __enter__(self) -> ChatServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._http.shutdown()
        self._http.server_close()
