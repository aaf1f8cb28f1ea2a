"""Managers approve or reject other people's payouts."""

from flask import Blueprint

bp = Blueprint("approvals", __name__, url_prefix="/approvals")

from webapp.approvals import routes  # noqa: E402, F401
