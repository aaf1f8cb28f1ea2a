"""A Paymega-compatible payout provider for demos and tests: the spec's endpoints and shapes,
a small catalogue, a background life cycle, signed callbacks and faults on demand."""

from webapp.sandbox.app import create_sandbox_app
from webapp.sandbox.server import SandboxServer, start_sandbox
from webapp.sandbox.store import FAULTS, OPERATIONS, SandboxState

__all__ = [
    "FAULTS", "OPERATIONS", "SandboxServer", "SandboxState", "create_sandbox_app",
    "start_sandbox",
]
