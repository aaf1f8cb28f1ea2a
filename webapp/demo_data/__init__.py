"""Demo mode's own data: the demo accounts, their second factor, and a desk at work.

Everything here runs only with APP_MODE=demo (the `demo` CLI refuses otherwise) and goes
through the same services real users go through; see seed.py for the one documented exception
(created times are moved into the past afterwards).
"""
