"""The provider's signed status callbacks."""

from webapp.callbacks.routes import bp

__all__ = ["bp"]
