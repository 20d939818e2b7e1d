"""Page weight of the participant home page: first visit with a cold cache, and repeat visit.

Every resource is fetched from the running server with `Accept-Encoding: gzip, br`, and its
body is read off the wire undecoded, so "transferred" is what the network carried. When the
server sends a text resource uncompressed, a local gzip (level 6, what a proxy or
Flask-Compress would typically use) is computed as well and labelled as an estimate.
"""

from __future__ import annotations

import gzip
import json
import re
import zlib
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import requests

try:
    import brotli
except ImportError:  # brotli is optional: without it we only ask for gzip
    brotli = None

ACCEPT_ENCODING = "gzip, br" if brotli else "gzip"
GZIP_LEVEL = 6
TEXT_TYPES = ("text/", "application/javascript", "application/json", "application/manifest+json")
TIMEOUT = 30

# The rel values a browser fetches while loading the page. apple-touch-icon is only fetched
# when someone adds the page to a home screen, so it is not counted.
FETCHED_RELS = {"stylesheet", "icon", "shortcut icon", "manifest", "modulepreload", "preload"}
JS_IMPORT = re.compile(
    r"""(?:^|[;\s])(?:import|export)\s*(?:[\w*{}\s,$]+\sfrom\s*)?["']([^"']+)["']""", re.M
)
CSS_URL = re.compile(r"""url\(\s*["']?([^"')]+)["']?\s*\)|@import\s+["']([^"']+)["']""")
SW_REGISTER = re.compile(r"""serviceWorker\.register\(\s*["']([^"']+)["']""")
SW_PRECACHE = re.compile(r"PRECACHE\s*=\s*(\[.*?\]);", re.S)


@dataclass
class Fetched:
    url: str
    kind: str
    status: int
    content_type: str
    encoding: str | None
    cache_control: str
    transferred: int  # body bytes on the wire, as sent (compressed if the server compressed)
    decoded: int  # body bytes once Content-Encoding is undone
    headers: int  # status line and response headers, as HTTP/1.1 sends them
    gzip_estimate: int | None = None  # local gzip of an uncompressed text body, else None
    etag: str | None = None
    last_modified: str | None = None
    body: bytes = field(default=b"", repr=False)

    @property
    def path(self) -> str:
        parts = urlsplit(self.url)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    @property
    def estimated(self) -> int:
        """What the body would weigh compressed: the real figure, or the local gzip estimate."""
        return self.gzip_estimate if self.gzip_estimate is not None else self.transferred

    def as_dict(self) -> dict:
        data = asdict(self)
        del data["body"]
        data["path"] = self.path
        return data


def _decode(raw: bytes, encoding: str | None) -> bytes:
    if not encoding or encoding == "identity":
        return raw
    if encoding == "gzip":
        return zlib.decompress(raw, 16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        return zlib.decompress(raw)
    if encoding == "br" and brotli:
        return brotli.decompress(raw)
    raise ValueError(f"Cannot decode Content-Encoding {encoding!r}")


def _header_bytes(response: requests.Response) -> int:
    status_line = f"HTTP/1.1 {response.status_code} {response.reason}\r\n"
    lines = [status_line] + [f"{name}: {value}\r\n" for name, value in response.raw.headers.items()]
    return sum(len(line.encode("latin-1")) for line in lines) + 2


def fetch(session: requests.Session, url: str, kind: str, headers: dict | None = None) -> Fetched:
    response = session.get(
        url,
        headers={"Accept-Encoding": ACCEPT_ENCODING, **(headers or {})},
        stream=True,
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    with response:
        raw = response.raw.read(decode_content=False)
    encoding = response.headers.get("Content-Encoding")
    body = _decode(raw, encoding)
    content_type = response.headers.get("Content-Type", "")
    estimate = None
    if not encoding and body and content_type.startswith(TEXT_TYPES):
        estimate = len(gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0))
    return Fetched(
        url=url,
        kind=kind,
        status=response.status_code,
        content_type=content_type.split(";")[0],
        encoding=encoding,
        cache_control=response.headers.get("Cache-Control", ""),
        transferred=len(raw),
        decoded=len(body),
        headers=_header_bytes(response),
        gzip_estimate=estimate,
        etag=response.headers.get("ETag"),
        last_modified=response.headers.get("Last-Modified"),
        body=body,
    )


class _Subresources(HTMLParser):
    """(kind, href) for what the page makes the browser fetch: links, scripts, images."""

    def __init__(self):
        super().__init__()
        self.found: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        if tag == "link":
            rel = " ".join(attributes.get("rel", "").lower().split())
            if rel in FETCHED_RELS and attributes.get("href"):
                self.found.append((rel, attributes["href"]))
        elif tag == "script" and attributes.get("src"):
            module = attributes.get("type", "").lower() == "module"
            self.found.append(("module" if module else "script", attributes["src"]))
        elif tag == "img" and attributes.get("src"):
            self.found.append(("img", attributes["src"]))


def _same_origin(base: str, url: str) -> bool:
    return urlsplit(url).netloc == urlsplit(base).netloc and not url.startswith("data:")


def _discover(resource: Fetched) -> Iterable[tuple[str, str]]:
    text = resource.body.decode("utf-8", "replace")
    if resource.kind == "document":
        parser = _Subresources()
        parser.feed(text)
        yield from parser.found
    elif resource.kind in ("module", "module import"):
        for target in JS_IMPORT.findall(text):
            yield "module import", target
    elif resource.content_type == "text/css":
        for url, imported in CSS_URL.findall(text):
            if not (url or imported).startswith("data:"):
                yield "css url", url or imported


def _service_worker(resources: list[Fetched]) -> str | None:
    for resource in resources:
        if "javascript" in resource.content_type:
            match = SW_REGISTER.search(resource.body.decode("utf-8", "replace"))
            if match:
                return urljoin(resource.url, match.group(1))
    return None


def first_visit(session: requests.Session, base_url: str) -> tuple[list[Fetched], list[Fetched]]:
    """The page (HTML and all it loads), then the service worker's install after load."""
    document = fetch(session, base_url + "/", "document", {"Accept": "text/html"})
    if document.status != 200:
        raise RuntimeError(f"GET / answered {document.status}; is the session signed in?")
    page, queue, seen = [document], [document], {document.url}
    while queue:
        parent = queue.pop(0)
        for kind, href in _discover(parent):
            url = urljoin(parent.url, href)
            if url in seen or not _same_origin(base_url, url):
                continue
            seen.add(url)
            child = fetch(session, url, kind)
            page.append(child)
            queue.append(child)

    worker: list[Fetched] = []
    script_url = _service_worker(page)
    if script_url:
        script = fetch(session, script_url, "service worker")
        worker.append(script)
        match = SW_PRECACHE.search(script.body.decode("utf-8", "replace"))
        # The install step uses cache: "reload", so every precached URL is downloaded again.
        for href in json.loads(match.group(1)) if match else []:
            worker.append(fetch(session, urljoin(script_url, href), "precache (reload)"))
    return page, worker


def _cache_directives(value: str) -> dict[str, str]:
    directives = {}
    for part in value.split(","):
        name, _, argument = part.strip().partition("=")
        if name:
            directives[name.lower()] = argument.strip('"')
    return directives


def repeat_action(resource: Fetched) -> str:
    """What a browser does with this resource on the next visit, from its response headers."""
    directives = _cache_directives(resource.cache_control)
    validators = resource.etag or resource.last_modified
    if "no-store" in directives:
        return "fetch"
    max_age = directives.get("max-age", "")
    if "no-cache" not in directives and max_age.isdigit() and int(max_age) > 0:
        return "cache"
    return "revalidate" if validators else "fetch"


def repeat_visit(session: requests.Session, resources: list[Fetched]) -> list[dict]:
    """Fetch again what the cache headers say must be fetched; conditional where possible."""
    rows = []
    for resource in resources:
        action = repeat_action(resource)
        row = {"path": resource.path, "kind": resource.kind, "action": action}
        if action == "cache":
            max_age = _cache_directives(resource.cache_control).get("max-age")
            row.update(status=None, transferred=0, decoded=0, headers=0, max_age=int(max_age))
            row["estimated"] = 0
        else:
            conditional = {}
            if action == "revalidate":
                if resource.etag:
                    conditional["If-None-Match"] = resource.etag
                if resource.last_modified:
                    conditional["If-Modified-Since"] = resource.last_modified
            again = fetch(session, resource.url, resource.kind, conditional)
            row.update(
                status=again.status,
                transferred=again.transferred,
                decoded=again.decoded,
                headers=again.headers,
                estimated=again.estimated,
            )
        rows.append(row)
    return rows


def _total(rows: Iterable[dict]) -> dict:
    rows = list(rows)
    sent = [row for row in rows if row.get("status") is not None]
    return {
        "requests": len(sent),
        "transferred": sum(row["transferred"] for row in rows),
        "decoded": sum(row["decoded"] for row in rows),
        "estimated": sum(row["estimated"] for row in rows),
        "headers": sum(row["headers"] for row in rows),
    }


def measure(session: requests.Session, base_url: str) -> dict:
    page, worker = first_visit(session, base_url)
    first_page = [dict(r.as_dict(), estimated=r.estimated) for r in page]
    first_worker = [dict(r.as_dict(), estimated=r.estimated) for r in worker]
    repeat_page = repeat_visit(session, page)
    # On later navigations the browser checks the service worker script for updates.
    repeat_worker = repeat_visit(session, worker[:1])
    for row in repeat_worker:
        row["kind"] = "service worker update check"
    text = [r for r in page + worker if r.content_type.startswith(TEXT_TYPES) and r.decoded]
    compressed = [r for r in text if r.encoding]
    return {
        "accept_encoding": ACCEPT_ENCODING,
        "gzip_estimate_level": GZIP_LEVEL,
        "server_compresses": (
            "all" if len(compressed) == len(text) else "some" if compressed else "none"
        ),
        "first_visit": {"page": first_page, "service_worker": first_worker},
        "repeat_visit": {"page": repeat_page, "service_worker": repeat_worker},
        "totals": {
            "first_visit_page": _total(first_page),
            "first_visit_service_worker": _total(first_worker),
            "repeat_visit_page": _total(repeat_page),
            "repeat_visit_service_worker": _total(repeat_worker),
        },
    }
