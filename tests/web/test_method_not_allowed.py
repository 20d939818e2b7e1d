"""A 405 names the methods the address does accept (RFC 9110 §15.5.6)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.any_database


def test_a_wrong_method_answers_405_with_allow(client):
    response = client.delete("/help")
    assert response.status_code == 405
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "HEAD"}


def test_a_get_to_a_post_only_address_names_post(client):
    response = client.get("/signout")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
