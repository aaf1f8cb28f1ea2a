"""The dashboard."""


__all__: list[str] = []
