"""The provider's signed status callbacks."""


__all__: list[str] = []
