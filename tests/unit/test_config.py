"""Configuration from the environment: safe defaults in development, refusals in production."""

from __future__ import annotations

import stat

import pytest
from cryptography.fernet import Fernet

from app import config, create_app
from app.config import ConfigError, Settings


@pytest.fixture
def production_env(monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a-long-production-secret")
    monkeypatch.setenv("DATA_KEYS", Fernet.generate_key().decode())
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    # Alerts are on by default, and production then needs mail and push settled.
    for name, value in PRODUCTION_ALERTS.items():
        monkeypatch.setenv(name, value)
    return monkeypatch


VAPID_PRIVATE = "VY6ZfNu1RYjhdJlUB7VhBbSTqPLg1hCCdgUS6ohRqWk"
PRODUCTION_ALERTS = {
    "SMTP_URL": "smtps://tend:secret@mail.example.org:465",
    "MAIL_FROM": "Tend <alerts@example.org>",
    "BASE_URL": "https://tend.example.org",
    "VAPID_PRIVATE_KEY": VAPID_PRIVATE,
    "VAPID_PUBLIC_KEY": config.vapid_public_key(VAPID_PRIVATE),
    "VAPID_SUBJECT": "mailto:alerts@example.org",
}


@pytest.mark.parametrize("missing", ["SECRET_KEY", "DATA_KEYS"])
def test_production_refuses_to_start_without_a_secret(production_env, missing):
    production_env.delenv(missing)
    with pytest.raises(ConfigError, match=missing):
        create_app()


def test_production_names_every_missing_secret_at_once(production_env):
    production_env.delenv("SECRET_KEY")
    production_env.setenv("DATA_KEYS", " , ")
    with pytest.raises(ConfigError, match="SECRET_KEY and DATA_KEYS"):
        create_app()


def test_production_starts_when_both_secrets_are_set(production_env):
    app = create_app()
    assert app.config["TEND"].production
    assert app.config["SESSION_COOKIE_NAME"] == "__Host-tend"
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_development_keeps_generated_secrets_in_the_instance_folder(monkeypatch, tmp_path):
    monkeypatch.setattr(config, "INSTANCE", tmp_path)
    monkeypatch.delenv("SECRET_KEY")
    monkeypatch.delenv("DATA_KEYS")
    first, second = Settings.from_env(), Settings.from_env()
    assert first.secret_key and first.secret_key == second.secret_key
    assert first.data_keys == second.data_keys
    Fernet(first.data_keys[0].encode())  # a usable key
    mode = stat.S_IMODE((tmp_path / "data_key").stat().st_mode)
    assert mode == 0o600


def test_data_keys_are_read_as_a_comma_separated_list_first_one_first(monkeypatch):
    keys = [Fernet.generate_key().decode() for _ in range(2)]
    monkeypatch.setenv("DATA_KEYS", f" {keys[0]} , {keys[1]} ")
    assert Settings.from_env().data_keys == keys


def test_an_unsupported_default_locale_is_refused(monkeypatch):
    monkeypatch.setenv("DEFAULT_LOCALE", "de")
    with pytest.raises(ConfigError, match="DEFAULT_LOCALE"):
        create_app({"database_url": "sqlite://"})


def test_a_number_setting_that_is_not_a_number_is_refused_by_name(monkeypatch):
    monkeypatch.setenv("STAFF_IDLE_MINUTES", "half an hour")
    with pytest.raises(ConfigError, match="STAFF_IDLE_MINUTES"):
        Settings.from_env()


def test_a_crisis_lines_file_without_lines_for_an_enabled_locale_refuses_to_start(
    tmp_path, monkeypatch
):
    from app.config import ConfigError, Settings

    lines = tmp_path / "lines.yaml"
    lines.write_text('en:\n  - {name: "Line", number: "9-8-8", tel: "988"}\n', encoding="utf-8")
    monkeypatch.setenv("CRISIS_LINES_FILE", str(lines))
    settings = Settings.from_env()
    assert settings.lines_for("en")[0]["name"] == "Line"
    with pytest.raises(ConfigError, match="fr_CA"):
        settings.validate()


def test_crisis_lines_from_a_file_are_shown_in_the_readers_language(app, client, monkeypatch):
    settings = app.config["TEND"]
    monkeypatch.setattr(
        settings,
        "crisis_lines_by_locale",
        {
            "en": [{"name": "Local line", "number": "1-800-000-0000", "tel": "18000000000"}],
            "fr_CA": [{"name": "Ligne locale", "number": "1-800-000-0000", "tel": "18000000000"}],
        },
    )
    assert "Local line" in client.get("/help", headers={"Accept-Language": "en"}).text
    assert "Ligne locale" in client.get("/help", headers={"Accept-Language": "fr-CA"}).text


@pytest.mark.parametrize("missing", sorted(PRODUCTION_ALERTS))
def test_production_with_alerts_on_refuses_to_start_without_mail_and_push(production_env, missing):
    production_env.delenv(missing)
    with pytest.raises(ConfigError, match=missing):
        create_app()


def test_production_with_alerts_off_starts_without_mail_or_push(production_env):
    for name in PRODUCTION_ALERTS:
        production_env.delenv(name)
    production_env.setenv("ALERTS", "off")
    app = create_app()
    assert app.config["TEND"].alerts.enabled is False


def test_production_refuses_a_vapid_public_key_of_another_private_key(production_env):
    production_env.setenv("VAPID_PUBLIC_KEY", config.vapid_public_key(VAPID_PRIVATE[::-1]))
    with pytest.raises(ConfigError, match="does not belong"):
        create_app()


def test_smtp_url_must_be_smtp_or_smtps(production_env):
    production_env.setenv("SMTP_URL", "http://mail.example.org")
    with pytest.raises(ConfigError, match="smtp:// or smtps://"):
        create_app()


def test_development_generates_a_vapid_key_into_the_instance_folder(monkeypatch, tmp_path):
    monkeypatch.setattr(config, "INSTANCE", tmp_path)
    monkeypatch.delenv("VAPID_PRIVATE_KEY", raising=False)
    first, second = Settings.from_env().alerts, Settings.from_env().alerts
    assert first.vapid_private_key == second.vapid_private_key
    assert first.vapid_public_key == config.vapid_public_key(first.vapid_private_key)
    assert len(first.vapid_public_key) == 87  # 65 bytes, base64url: what browsers take
    assert stat.S_IMODE((tmp_path / "vapid_private_key").stat().st_mode) == 0o600


def test_development_mail_links_point_at_the_local_server(monkeypatch):
    monkeypatch.delenv("BASE_URL", raising=False)
    monkeypatch.setenv("PORT", "5123")
    assert Settings.from_env().alerts.base_url == "http://127.0.0.1:5123"


def test_sign_in_limits_are_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("SIGNIN_LIMIT_ACCOUNT", "3 per 10 minutes")
    monkeypatch.setenv("SIGNIN_LIMIT_IP", "50 per hour")
    settings = Settings.from_env()
    assert (settings.signin_limit_account, settings.signin_limit_ip) == (
        "3 per 10 minutes",
        "50 per hour",
    )


def test_an_unreadable_sign_in_limit_refuses_to_start(monkeypatch):
    monkeypatch.setenv("SIGNIN_LIMIT_ACCOUNT", "five tries")
    with pytest.raises(ConfigError, match="SIGNIN_LIMIT_ACCOUNT"):
        Settings.from_env().validate()
