"""A second factor after the password: passkeys, authenticator apps and recovery codes."""

from flask import Blueprint

bp = Blueprint("second_factor", __name__)

# The second-factor step: open only to someone whose password was just accepted.
CHALLENGE_ENDPOINTS = frozenset(
    {
        "second_factor.challenge",
        "second_factor.verify_code",
        "second_factor.verify_recovery",
        "second_factor.passkey_options",
        "second_factor.verify_passkey",
    }
)
# What staff who must set up a factor may open before they have one: the guided setup.
SETUP_ENDPOINTS = frozenset(
    {
        "second_factor.setup",
        "second_factor.setup_app",
        "second_factor.passkey_registration_options",
        "second_factor.register_passkey",
    }
)

from app.second_factor import challenge, settings  # noqa: E402, F401  (registers the routes)
