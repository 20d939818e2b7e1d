"""A phone or laptop talking to Tend over HTTP as the pages and the offline outbox do."""

from __future__ import annotations

import itertools
import re
import uuid
from dataclasses import dataclass, field

import requests

from bench.client import TIMEOUT, USER_AGENT, hidden_field

_addresses = itertools.count(1)
WEEK_SELECTED = re.compile(r'<option selected value="(\d+)"|<option value="(\d+)" selected')
CONFLICT_FIELD = re.compile(
    r'<input type="hidden" name="(shown_version|copy_uuid)" value="([^"]*)"'
)


@dataclass
class Answer:
    """What the server said to one write: acknowledged means the device was told "saved"."""

    status: int
    acknowledged: bool
    conflict: bool = False
    entry_id: int | None = None
    version: int | None = None
    html: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def server_error(self) -> bool:
        return self.status >= 500


NO_ANSWER = 0  # the connection failed: nothing was acknowledged


class SignInRefused(RuntimeError):
    def __init__(self, email: str, status: int):
        super().__init__(f"sign-in of {email} answered {status}")
        self.status = status


class Device:
    def __init__(self, base_url: str, email: str, password: str):
        self.base_url = base_url
        self.email = email
        self.password = password
        # Its own address (behind the trusted proxy), as separate phones have.
        self.address = f"10.14.{next(_addresses) // 250}.{next(_addresses) % 250 + 1}"
        self.http = requests.Session()
        self.http.headers.update({"User-Agent": USER_AGENT, "X-Forwarded-For": self.address})
        self.csrf = ""
        self.week = ""

    def sign_in(self) -> Device:
        self.http.cookies.clear()
        page = self.http.get(self.base_url + "/signin", timeout=TIMEOUT)
        token = hidden_field(page.text, "csrf_token")
        response = self.http.post(
            self.base_url + "/signin",
            data={"csrf_token": token, "email": self.email, "password": self.password},
            allow_redirects=False,
            timeout=TIMEOUT,
        )
        if response.status_code != 303:
            raise SignInRefused(self.email, response.status_code)
        self.refresh_token()
        if not self.week:
            new = self.http.get(self.base_url + "/journal/new", timeout=TIMEOUT).text
            found = WEEK_SELECTED.search(new)
            self.week = next(value for value in found.groups() if value) if found else "0"
        return self

    def refresh_token(self) -> None:
        answer = self.http.get(self.base_url + "/outbox/session", timeout=TIMEOUT).json()
        self.csrf = answer.get("csrf_token") or ""

    def signed_in(self) -> bool:
        answer = self.http.get(self.base_url + "/outbox/session", timeout=TIMEOUT).json()
        return bool(answer.get("signed_in"))

    def _fields(self, body: str, client_uuid: str, version: int | None, sharing: str) -> dict:
        fields = {"client_uuid": client_uuid, "body": body, "week": self.week, "sharing": sharing}
        if version is not None:
            fields["version"] = str(version)
        return fields

    def _post(self, path: str, data: dict) -> requests.Response | None:
        try:
            return self.http.post(
                self.base_url + path,
                data=data,
                headers={"X-CSRFToken": self.csrf},
                allow_redirects=False,
                timeout=TIMEOUT,
            )
        except requests.RequestException:
            return None

    def autosave(
        self,
        body: str,
        client_uuid: str,
        *,
        version: int | None = None,
        entry_id: int | None = None,
        intent_save: bool = False,
        sharing: str = "private",
    ) -> Answer:
        """The autosave, or the outbox replaying one (`intent_save`: a Save made offline)."""
        data = self._fields(body, client_uuid, version, sharing)
        if entry_id is not None:
            data["entry_id"] = str(entry_id)
        if intent_save:
            data["intent"] = "save"
        response = self._post("/journal/autosave", data)
        if response is None:
            return Answer(NO_ANSWER, False)
        answer = _json(response)
        return Answer(
            response.status_code,
            response.status_code == 200 and answer.get("saved") is True,
            conflict=response.status_code == 409,
            entry_id=answer.get("entry_id"),
            version=answer.get("version"),
            extra=answer,
        )

    def outbox_replay(self, path: str, data: dict) -> Answer:
        """A record sent as static/js/outbox.js sends it: fetch follows redirects, and any
        answer that ends `ok` is taken as sent and the record dropped."""
        try:
            response = self.http.post(
                self.base_url + path,
                data=data,
                headers={"X-CSRFToken": self.csrf, "Accept": "application/json"},
                timeout=TIMEOUT,
            )
        except requests.RequestException:
            return Answer(NO_ANSWER, False)
        return Answer(response.status_code, response.ok, conflict=response.status_code == 409)

    def save(
        self,
        body: str,
        client_uuid: str | None = None,
        *,
        entry_id: int | None = None,
        version: int | None = None,
        sharing: str = "private",
    ) -> Answer:
        """Tap Save on the entry page (a new entry, or changes to `entry_id`)."""
        client_uuid = client_uuid or str(uuid.uuid4())
        path = f"/journal/{entry_id}/edit" if entry_id else "/journal/new"
        return _form_answer(self._post(path, self._fields(body, client_uuid, version, sharing)))

    def resolve_mine(
        self, entry_id: int, body: str, client_uuid: str, conflict_html: str, sharing="private"
    ) -> Answer:
        """ "Keep this device's text" on the conflict page the device was shown."""
        data = self._fields(body, client_uuid, None, sharing)
        data.update(dict(CONFLICT_FIELD.findall(conflict_html)))
        data["choice"] = "mine"
        return _form_answer(self._post(f"/journal/{entry_id}/resolve", data))

    def change_sharing(self, entry_id: int, sharing: str, version: int) -> Answer:
        response = self._post(
            f"/journal/{entry_id}/sharing", {"sharing": sharing, "version": str(version)}
        )
        return _form_answer(response)


def _json(response: requests.Response) -> dict:
    try:
        answer = response.json()
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}


ENTRY_PAGE = re.compile(r"/journal/(\d+)$")


def _form_answer(response: requests.Response | None) -> Answer:
    """A form post is acknowledged when it redirects to the entry it saved."""
    if response is None:
        return Answer(NO_ANSWER, False)
    location = response.headers.get("Location", "")
    found = ENTRY_PAGE.search(location.split("?")[0])
    acknowledged = response.status_code == 303 and found is not None
    return Answer(
        response.status_code,
        acknowledged,
        conflict=response.status_code == 409,
        entry_id=int(found.group(1)) if found else None,
        html=response.text if response.status_code == 409 else "",
    )
