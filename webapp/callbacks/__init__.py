"""The provider's signed status callbacks."""

from flask import Blueprint

bp = Blueprint("callbacks", __name__, url_prefix="/callbacks")

from webapp.callbacks import routes  # noqa: E402, F401
