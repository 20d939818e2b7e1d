"""Flask extensions, created unbound here and bound to the app in create_app."""

from flask_babel import Babel
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_talisman import Talisman
from flask_wtf.csrf import CSRFProtect
from htmx_flask import Htmx

login_manager = LoginManager()
babel = Babel()
csrf = CSRFProtect()
talisman = Talisman()
htmx = Htmx()
compress = Compress()
# No default limits: only the routes that need a limit (sign-in, enrolment) carry one.
limiter = Limiter(key_func=get_remote_address, default_limits=[])
