"""Second-factor changes reach the process's stderr as JSON lines even where nothing set up
logging (as under gunicorn), so a log pipeline receives them."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from app.config import ROOT

SCRIPT = """
from app import create_app
from app.models import User
from app.second_factor.state import security_log, record_change

create_app({"database_url": "sqlite://"})

class FakeDb:
    def add(self, _event):
        pass

person = User(id=7, email="someone@example.org", display_name="Someone", password_hash="x")
record_change(FakeDb(), person, person, "second_factor_added", kind="passkey")
"""


def test_security_events_are_json_lines_on_stderr_without_personal_content():
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env={**os.environ, "APP_ENV": "development"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    [line] = [json.loads(x) for x in result.stderr.splitlines() if x.startswith("{")]
    assert line["event"] == "second_factor_added" and line["factor"] == "passkey"
    assert line["by_self"] is True and len(line["account"]) == 16
    assert "someone" not in result.stderr.lower() and '"7"' not in result.stderr
