"""Sign-in, sign-out, the profile page and the role guard."""

from flask import Blueprint, g
from flask_babel import refresh

bp = Blueprint("auth", __name__)


@bp.before_app_request
def _identify_from_this_request() -> None:
    """Forget the user and locale cached in `g` by an earlier request sharing this app context
    (as test clients do), so every request is judged by its own cookie, token and headers."""
    g.pop("_login_user", None)
    refresh()


# Imported after the hook above so their own before-request guards run after it.
from webapp.auth import routes, security_audit  # noqa: E402, F401
from webapp.auth.access import role_label  # noqa: E402

bp.add_app_template_global(role_label, "role_label")
