"""Tend: the application factory."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from app import access_log, crypto, db, text_input
from app.config import INSTANCE, ROOT, Settings
from app.content.loader import load_library
from app.extensions import babel, compress, csrf, htmx, limiter, login_manager, talisman
from app.i18n import select_locale, select_timezone


def _limiter_storage_options(uri: str) -> dict:
    """A store that is down must fail fast and visibly: errors come wrapped (so sign-in can
    answer 503 "try again in a minute"), after one second at most, with no retry loop."""
    options: dict = {"wrap_exceptions": True}
    if uri.startswith(("redis", "rediss", "valkey")):
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        options.update(socket_connect_timeout=1, socket_timeout=1, retry=Retry(NoBackoff(), 0))
    return options


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app from the environment; test_config overrides Settings fields by name."""
    settings = Settings.from_env()
    if test_config:
        settings = dataclasses.replace(settings, **test_config)
    settings.validate()
    access_log.install_development_filter()

    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(INSTANCE),
    )
    app.config.update(
        TEND=settings,
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_content_length,
        SESSION_COOKIE_NAME="__Host-tend" if settings.production else "tend",
        SESSION_COOKIE_SECURE=settings.production,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(days=settings.session_absolute_days),
        # The CSRF token lives as long as the sign-in, so a form left open is not lost.
        WTF_CSRF_TIME_LIMIT=None,
        # Not the Referer check: with Referrer-Policy no-referrer browsers send no Referer, so
        # it refused every form over HTTPS. The token and SameSite=Lax cookies protect posts.
        WTF_CSRF_SSL_STRICT=False,
        BABEL_TRANSLATION_DIRECTORIES=str(ROOT / "translations"),
        BABEL_DEFAULT_LOCALE=settings.default_locale,
        RATELIMIT_STORAGE_URI=settings.ratelimit_storage_uri,
        RATELIMIT_STORAGE_OPTIONS=_limiter_storage_options(settings.ratelimit_storage_uri),
        RATELIMIT_HEADERS_ENABLED=True,
        RATELIMIT_KEY_PREFIX="tend",
        SEND_FILE_MAX_AGE_DEFAULT=timedelta(hours=1),
        TEMPLATES_AUTO_RELOAD=not settings.production,
        COMPRESS_ALGORITHM=["br", "gzip"],
        COMPRESS_MIN_SIZE=500,
    )
    if settings.proxy_count:
        app.wsgi_app = ProxyFix(
            app.wsgi_app,
            x_for=settings.proxy_count,
            x_proto=settings.proxy_count,
            x_host=settings.proxy_count,
        )

    from app.csp import POLICY, REPORT_GROUP
    from app.security import PERMISSIONS_POLICY

    crypto.configure(settings.data_keys)
    from app.sessions import checklist

    checklist.configure(settings.checklist_open_hours)
    # Refuse to start on a broken bundle: ContentError names every file and field.
    app.extensions["tend_content"] = load_library(Path(settings.content_root))
    db.init_app(app, db.make_engine(settings.database_url))

    csrf.init_app(app)
    htmx.init_app(app)
    text_input.init_app(app)
    compress.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    login_manager.init_app(app)
    limiter.init_app(app)
    talisman.init_app(
        app,
        force_https=settings.production,
        # Permanent: browsers remember it and never try plain HTTP again for that address.
        force_https_permanent=True,
        strict_transport_security=settings.production,
        strict_transport_security_max_age=31536000,
        strict_transport_security_include_subdomains=True,
        # Only when the operator means to submit the domain to the browsers' preload list:
        # leaving it takes months, so it is a choice, not a default.
        strict_transport_security_preload=settings.hsts_preload,
        session_cookie_secure=settings.production,
        content_security_policy={**POLICY, "report-uri": "/csp-report", "report-to": REPORT_GROUP},
        referrer_policy="no-referrer",
        permissions_policy=PERMISSIONS_POLICY,
        frame_options="DENY",
    )

    from app import (
        errors,
        formatting,
        hostile_input,
        navigation,
        notifications,
        security,
        security_events,
        static_files,
    )
    from app.admin import bp as admin_bp
    from app.auth import bp as auth_bp
    from app.cli import register_commands
    from app.core import bp as core_bp
    from app.csp import bp as csp_bp
    from app.exercises import bp as exercises_bp
    from app.exports import bp as exports_bp
    from app.facilitator import bp as facilitator_bp
    from app.home import bp as home_bp
    from app.journal import bp as journal_bp
    from app.meetings import bp as meetings_bp
    from app.practices import bp as practices_bp
    from app.pwa import bp as pwa_bp
    from app.questionnaires import bp as questionnaires_bp
    from app.second_factor import bp as second_factor_bp
    from app.sessions import bp as sessions_bp

    blueprints = (
        core_bp,
        csp_bp,
        pwa_bp,
        auth_bp,
        second_factor_bp,
        home_bp,
        practices_bp,
        exercises_bp,
        journal_bp,
        questionnaires_bp,
        sessions_bp,
        facilitator_bp,
        admin_bp,
        meetings_bp,
        exports_bp,
    )
    hostile_input.init_routing(app)
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    security.init_app(app)
    security_events.redact_tokens_in_request_logs()
    static_files.init_app(app)
    navigation.init_app(app)
    formatting.init_app(app)
    errors.init_app(app)
    hostile_input.init_app(app)
    register_commands(app)
    notifications.init_app(app)
    from app.second_factor.state import send_security_log_to_stderr

    send_security_log_to_stderr()
    return app
