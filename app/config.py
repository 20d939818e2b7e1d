"""One settings object read from the environment, with safe defaults."""

from __future__ import annotations

import os
import secrets
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.fernet import Fernet

# Time-zone rules change (British Columbia stays on UTC-7 from November 2026): read them from
# the pinned `tzdata` package, the same release Babel's formatting uses, never from whatever
# the host happens to have, so a session shows at the hour the team entered everywhere.
zoneinfo.reset_tzpath(to=())

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"

# Crisis lines per region, from ../shared/DOMAIN.md. A deployment overrides them with
# CRISIS_LINES_FILE (YAML); the numbers are the same in every locale, the labels translate.
# A line with "locales" is shown only to readers of those locales (Québec's line in French);
# "sms_number" is the number to text when it is not the number to call.
DEFAULT_CRISIS_LINES = [
    {"key": "988", "number": "9-8-8", "tel": "988", "sms": "988", "region": "canada"},
    {"key": "bc", "number": "1-800-784-2433", "tel": "18007842433", "region": "bc"},
    {"key": "bc-310", "number": "310-6789", "tel": "3106789", "region": "bc"},
    {
        "key": "quebec",
        "number": "1-866-277-3553",
        "tel": "18662773553",
        "region": "quebec",
        "locales": ["fr_CA"],
    },
    {"key": "kuu-us", "number": "1-800-588-8717", "tel": "18005888717", "region": "bc"},
    {"key": "hope", "number": "1-855-242-3310", "tel": "18552423310", "region": "canada"},
    {
        "key": "kids-help",
        "number": "1-800-668-6868",
        "tel": "18006686868",
        "sms": "686868",
        "sms_number": "686868",
        "region": "canada",
    },
    {"key": "911", "number": "911", "tel": "911", "region": "emergency"},
]


class ConfigError(RuntimeError):
    """The environment does not describe a deployment Tend can safely run."""


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from exc


def _env_flag(name: str) -> bool | None:
    """A yes/no setting, or None when it is not set (the environment's default applies)."""
    raw = os.environ.get(name, "").strip().lower()
    if raw == "":
        return None
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be true or false, got {raw!r}")


def _dev_secret(filename: str, make) -> str:
    """Keep a generated development secret in instance/ so restarts keep sessions and data.

    The folder and the keys are the owner's alone (0700, 0600) from the moment they exist,
    whatever the umask; ones an older version left readable are tightened."""
    owner_only_folder(INSTANCE)
    path = INSTANCE / filename
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        path.chmod(0o600)
    else:
        with os.fdopen(descriptor, "w") as file:
            file.write(make())
    return path.read_text().strip()


def owner_only_folder(path: Path) -> None:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.chmod(0o700)


def _crisis_lines_file(path: str | None) -> dict[str, list[dict]]:
    if not path:
        return {}
    import yaml

    try:
        loaded = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"CRISIS_LINES_FILE {path} cannot be read: {exc}") from exc
    if not isinstance(loaded, dict):
        raise ConfigError(f"CRISIS_LINES_FILE {path} must map each locale to a list of lines")
    return loaded


def _vapid_keypair() -> str:
    """A new VAPID private key: the raw P-256 scalar, base64url, as push libraries expect."""
    import base64

    from cryptography.hazmat.primitives.asymmetric import ec

    scalar = ec.generate_private_key(ec.SECP256R1()).private_numbers().private_value
    return base64.urlsafe_b64encode(scalar.to_bytes(32, "big")).rstrip(b"=").decode()


def vapid_public_key(private_key: str) -> str:
    """The application server key browsers subscribe with, derived from the private key."""
    import base64

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    raw = base64.urlsafe_b64decode(private_key + "=" * (-len(private_key) % 4))
    key = ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())
    point = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return base64.urlsafe_b64encode(point).rstrip(b"=").decode()


@dataclass(frozen=True)
class AlertSettings:
    """Alerts and reminders that leave the app: mail, push, timing of escalations."""

    enabled: bool = True
    smtp_url: str = ""
    mail_from: str = "Tend <tend@localhost>"
    vapid_private_key: str = ""
    vapid_public_key: str = ""
    vapid_subject: str = "mailto:tend@localhost"
    # Links in messages: the address people open Tend at.
    base_url: str = "http://127.0.0.1:5000"
    escalation_repeat_minutes: int = 60
    digest_time: str = "08:00"  # review flags' daily digest, on the cohort's clock
    poll_seconds: float = 5.0
    lease_seconds: int = 300
    # Development without SMTP_URL: every message is also kept here for the mail page.
    dev_mailbox: str = str(INSTANCE / "mail")

    @classmethod
    def from_env(cls, production: bool) -> AlertSettings:
        enabled = os.environ.get("ALERTS", "on").strip().lower() not in ("off", "0", "false")
        private = os.environ.get("VAPID_PRIVATE_KEY", "").strip()
        public = os.environ.get("VAPID_PUBLIC_KEY", "").strip()
        subject = os.environ.get("VAPID_SUBJECT", "").strip()
        smtp_url = os.environ.get("SMTP_URL", "").strip()
        mail_from = os.environ.get("MAIL_FROM", "").strip()
        base_url = os.environ.get("BASE_URL", "").strip().rstrip("/")
        if production and enabled:
            needed = {
                "SMTP_URL": smtp_url,
                "MAIL_FROM": mail_from,
                "BASE_URL": base_url,
                "VAPID_PRIVATE_KEY": private,
                "VAPID_PUBLIC_KEY": public,
                "VAPID_SUBJECT": subject,
            }
            missing = [name for name, value in needed.items() if not value]
            if missing:
                raise ConfigError(
                    "Alerts are on (ALERTS=on), so production needs "
                    + ", ".join(missing)
                    + " set in the environment (or ALERTS=off)."
                )
        elif not private:
            private = _dev_secret("vapid_private_key", _vapid_keypair)
        if private:
            try:
                derived = vapid_public_key(private)
            except ValueError as exc:
                raise ConfigError("VAPID_PRIVATE_KEY is not a base64url P-256 key.") from exc
            if public and public != derived:
                raise ConfigError("VAPID_PUBLIC_KEY does not belong to VAPID_PRIVATE_KEY.")
            public = derived
        port = os.environ.get("PORT", "5000")
        return cls(
            enabled=enabled,
            smtp_url=smtp_url,
            mail_from=mail_from or cls.mail_from,
            vapid_private_key=private,
            vapid_public_key=public,
            vapid_subject=subject or cls.vapid_subject,
            base_url=base_url or f"http://127.0.0.1:{port}",
            escalation_repeat_minutes=_env_int("FLAG_ESCALATION_REPEAT_MINUTES", 60),
            digest_time=os.environ.get("FLAG_DIGEST_TIME", "08:00"),
            poll_seconds=float(_env_int("WORKER_POLL_SECONDS", 5)),
            lease_seconds=_env_int("WORKER_LEASE_SECONDS", 300),
            dev_mailbox=os.environ.get("DEV_MAIL_DIR") or cls.dev_mailbox,
        )

    def validate(self) -> None:
        if self.smtp_url and not self.smtp_url.startswith(("smtp://", "smtps://")):
            raise ConfigError("SMTP_URL must start with smtp:// or smtps://")
        if self.escalation_repeat_minutes < 1:
            raise ConfigError("FLAG_ESCALATION_REPEAT_MINUTES must be at least 1.")
        if not _is_clock_time(self.digest_time):
            raise ConfigError("FLAG_DIGEST_TIME must be a time of day such as 08:00.")


def _is_limit(value: str) -> bool:
    from limits import parse

    try:
        parse(value)
    except ValueError:
        return False
    return True


def _is_clock_time(value: str) -> bool:
    hours, _, minutes = value.partition(":")
    return hours.isdigit() and minutes.isdigit() and int(hours) < 24 and int(minutes) < 60


@dataclass
class Settings:
    env: str = "development"
    secret_key: str = ""
    database_url: str = ""
    data_keys: list[str] = field(default_factory=list)
    ratelimit_storage_uri: str = "memory://"
    default_locale: str = "en"
    locales: tuple[str, ...] = ("en", "fr_CA")
    quick_exit_url: str = "https://www.theweathernetwork.com/"
    staff_idle_minutes: int = 30
    participant_idle_minutes: int = 12 * 60
    session_absolute_days: int = 14
    invite_days: int = 14
    max_content_length: int = 256 * 1024
    signin_limit_account: str = "5 per 15 minutes"
    signin_limit_ip: str = "30 per 15 minutes"
    # Staff need a second factor before any participant data. None: the environment decides
    # (required in production, skippable with a banner in development and the tests).
    second_factor_required: bool | None = None
    # Attempts at the second-factor step, per person half-way through signing in.
    second_factor_limit: str = "5 per 5 minutes"
    proxy_count: int = 0
    hsts_preload: bool = False
    flag_escalation_minutes: int = 120
    checklist_open_hours: int = 48
    # How long the program keeps a person's records after their cohort ends: its own policy,
    # shown on the privacy notice so nobody has to ask (Tend does not delete on a timer).
    retention_years: int = 7
    # Whom to ask about privacy (an email, a phone, a name); empty: "ask your program team".
    privacy_contact: str = ""
    content_root: str = str(ROOT / "app" / "content" / "bundles")
    crisis_lines: list[dict] = field(default_factory=lambda: list(DEFAULT_CRISIS_LINES))
    # Per-locale lines from CRISIS_LINES_FILE (YAML: {locale: [lines]}); overrides the above.
    crisis_lines_by_locale: dict[str, list[dict]] = field(default_factory=dict)
    alerts: AlertSettings = field(default_factory=AlertSettings)

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def staff_need_second_factor(self) -> bool:
        if self.second_factor_required is None:
            return self.production
        return self.second_factor_required

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ.get("APP_ENV", "development")
        production = env == "production"
        secret_key = os.environ.get("SECRET_KEY", "")
        keys = [k.strip() for k in os.environ.get("DATA_KEYS", "").split(",") if k.strip()]
        if production:
            missing = [n for n, v in (("SECRET_KEY", secret_key), ("DATA_KEYS", keys)) if not v]
            if missing:
                raise ConfigError(
                    "Production needs " + " and ".join(missing) + " set in the environment."
                )
        else:
            secret_key = secret_key or _dev_secret("secret_key", lambda: secrets.token_hex(32))
            keys = keys or [_dev_secret("data_key", lambda: Fernet.generate_key().decode())]
        database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{INSTANCE / 'tend.sqlite3'}"
        return cls(
            env=env,
            secret_key=secret_key,
            database_url=database_url,
            data_keys=keys,
            ratelimit_storage_uri=os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
            default_locale=os.environ.get("DEFAULT_LOCALE", "en"),
            quick_exit_url=os.environ.get("QUICK_EXIT_URL", cls.quick_exit_url),
            staff_idle_minutes=_env_int("STAFF_IDLE_MINUTES", 30),
            participant_idle_minutes=_env_int("PARTICIPANT_IDLE_MINUTES", 12 * 60),
            max_content_length=_env_int("MAX_CONTENT_LENGTH", 256 * 1024),
            proxy_count=_env_int("PROXY_COUNT", 0),
            hsts_preload=os.environ.get("HSTS_PRELOAD", "").strip().lower() in ("1", "on", "true"),
            signin_limit_account=os.environ.get("SIGNIN_LIMIT_ACCOUNT") or cls.signin_limit_account,
            signin_limit_ip=os.environ.get("SIGNIN_LIMIT_IP") or cls.signin_limit_ip,
            flag_escalation_minutes=_env_int("FLAG_ESCALATION_MINUTES", 120),
            checklist_open_hours=_env_int("CHECKLIST_OPEN_HOURS", 48),
            retention_years=_env_int("RETENTION_YEARS", 7),
            privacy_contact=os.environ.get("PRIVACY_CONTACT", "").strip(),
            second_factor_required=_env_flag("SECOND_FACTOR_REQUIRED"),
            second_factor_limit=os.environ.get("SECOND_FACTOR_LIMIT") or cls.second_factor_limit,
            content_root=os.environ.get("CONTENT_ROOT") or cls.content_root,
            crisis_lines_by_locale=_crisis_lines_file(os.environ.get("CRISIS_LINES_FILE")),
            alerts=AlertSettings.from_env(production),
        )

    def validate(self) -> None:
        if self.default_locale not in self.locales:
            raise ConfigError(
                f"DEFAULT_LOCALE {self.default_locale!r} is not one of {', '.join(self.locales)}"
            )
        if not self.data_keys:
            raise ConfigError("DATA_KEYS must hold at least one key.")
        if self.production and not self.staff_need_second_factor:
            raise ConfigError(
                "SECOND_FACTOR_REQUIRED cannot be false in production: staff read many "
                "people's mental-health data and must sign in with a second factor."
            )
        for name, value in (
            ("SIGNIN_LIMIT_ACCOUNT", self.signin_limit_account),
            ("SIGNIN_LIMIT_IP", self.signin_limit_ip),
        ):
            if not _is_limit(value):
                raise ConfigError(f"{name} must read like '5 per 15 minutes', got {value!r}")
        if self.retention_years < 1:
            raise ConfigError("RETENTION_YEARS must be at least 1.")
        self.alerts.validate()
        for locale in self.locales:
            lines = self.lines_for(locale)
            if not lines or any(not line.get("number") or not line.get("tel") for line in lines):
                raise ConfigError(
                    f"No usable crisis lines for {locale}: every enabled locale needs lines "
                    "with a number and a tel (see CRISIS_LINES_FILE in the README)."
                )

    def lines_for(self, locale: str) -> list[dict]:
        if self.crisis_lines_by_locale:
            return self.crisis_lines_by_locale.get(locale) or []
        return [
            line for line in self.crisis_lines if "locales" not in line or locale in line["locales"]
        ]
