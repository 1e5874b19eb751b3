import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ingestion.http import (
    SourceError,
    VendorClient,
    read_ahead,
    retry_after_seconds,
    shopify_pause,
)
from ingestion.shopify import next_link


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("2.0", 2.0), ("2", 2.0), ("0.25", 0.25), (None, None), ("soon", None), ("-1", 0.0)],
)
def test_retry_after_accepts_shopify_float_form(header: str | None, seconds: float | None) -> None:
    assert retry_after_seconds(header) == seconds


def test_next_link_reads_rel_next_among_several_links() -> None:
    header = (
        '<https://shop/admin/api/2025-01/orders.json?limit=250&page_info=abc>; rel="previous", '
        '<https://shop/admin/api/2025-01/orders.json?limit=250&page_info=def>; rel="next"'
    )
    assert next_link(header) == "https://shop/admin/api/2025-01/orders.json?limit=250&page_info=def"
    assert next_link('<https://shop/orders.json?page_info=abc>; rel="previous"') is None
    assert next_link(None) is None


class ScriptedServer:
    """Answers each request with the next (status, headers) of a script, then 200s."""

    def __init__(self, script: list[tuple[int, dict[str, str]]]) -> None:
        self.script = list(script)
        self.requests = 0
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.requests += 1
                status, headers = owner.script.pop(0) if owner.script else (200, {})
                body = json.dumps({"ok": status == 200}).encode()
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"


@pytest.fixture
def scripted() -> Iterator[callable]:
    servers: list[ScriptedServer] = []

    def start(script: list[tuple[int, dict[str, str]]]) -> ScriptedServer:
        server = ScriptedServer(script)
        threading.Thread(target=server.httpd.serve_forever, daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.httpd.shutdown()


def test_waits_out_a_429_with_float_retry_after(scripted) -> None:
    server = scripted([(429, {"Retry-After": "0.2"}), (503, {})])
    client = VendorClient("shopify", server.url, backoff_seconds=0.01)
    _, body = client.get_json("orders.json")
    assert body == {"ok": True}
    assert server.requests == 3
    # 0.2s as the 429 asked, then the second backoff step (0.01 * 2) for the 503.
    assert client.stats.seconds_waited == pytest.approx(0.22)
    assert client.stats.retries == 2


def test_a_401_fails_at_once_naming_the_vendor(scripted) -> None:
    server = scripted([(401, {})])
    client = VendorClient("aircall", server.url)
    with pytest.raises(SourceError, match=r"aircall: GET .* answered 401"):
        client.get_json("calls")
    assert server.requests == 1


def test_gives_up_after_max_attempts(scripted) -> None:
    server = scripted([(500, {})] * 10)
    client = VendorClient("judgeme", server.url, max_attempts=3, backoff_seconds=0.01)
    with pytest.raises(SourceError, match="judgeme"):
        client.get_json("reviews")
    assert server.requests == 3


class Headers:
    def __init__(self, headers: dict[str, str]) -> None:
        self.headers = headers


@pytest.mark.parametrize(
    ("limit", "pause"),
    [
        ("1/40", 0.0),
        ("31/40", 0.0),
        ("32/40", 6.0),
        ("40/40", 10.0),
        ("400/400", 10.0),
        (None, 0.0),
    ],
)
def test_shopify_pacing_drains_the_bucket_to_half(limit: str | None, pause: float) -> None:
    assert shopify_pause(Headers({"X-Shopify-Shop-Api-Call-Limit": limit} if limit else {})) == (
        pytest.approx(pause)
    )


def test_a_404_is_none_when_missing_is_expected(scripted) -> None:
    server = scripted([(404, {})])
    client = VendorClient("aircall", server.url)
    response, body = client.get_json("calls/1/transcription", missing_ok=True)
    assert response.status_code == 404 and body is None


def test_twin_faults_are_retried_until_the_page_arrives(sandbox) -> None:
    from sandbox.limits import FaultPlan
    from sandbox.server import Credentials, SandboxServer

    waits: list[float] = []
    with SandboxServer(sandbox.data_dir, rate_limits="off") as twin:
        client = VendorClient(
            "shopify",
            f"{twin.url}/admin/api/2025-01",
            headers={"X-Shopify-Access-Token": Credentials().shopify_access_token},
            sleep=waits.append,
            max_attempts=30,
        )
        twin.app.set_faults(FaultPlan(error_rate=0.3, drop_rate=0.3, malformed_rate=0.3, seed=2))
        bodies = [
            client.get_json("orders.json", {"status": "any", "limit": 5})[1] for _ in range(10)
        ]
    assert all(len(body["orders"]) == 5 for body in bodies)
    assert client.stats.retries == len(waits) > 5


# reading ahead --------------------------------------------------------------------------------
def test_read_ahead_keeps_order_and_raises_where_the_producer_failed() -> None:
    def pages():
        yield from ([1], [2], [3])
        raise SourceError("shopify: GET /orders.json answered 500 after 8 attempt(s)")

    received = []
    with pytest.raises(SourceError, match="answered 500"):
        for page in read_ahead(pages(), depth=1):
            received.append(page)
    assert received == [[1], [2], [3]]


def test_closing_read_ahead_stops_its_producer() -> None:
    produced = []

    def pages():
        for number in range(1000):
            produced.append(number)
            yield [number]

    reader = read_ahead(pages(), depth=2)
    assert next(reader) == [0]
    reader.close()
    assert len(produced) < 10
    assert not any(t.name == "earshot-read-ahead" for t in threading.enumerate())
