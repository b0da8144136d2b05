"""How the emulator's modules change moto: each wraps the method it changes, so several modules can change one method.

`wrap(Owner, "name", wrapper)` makes `Owner.name(self, ...)` call `wrapper(inner, self, ...)`, where `inner` is the
method as it was before (moto's, or another module's wrapper of it). A module that adds a feature wraps what it needs
and calls `inner` for the rest; the package's `install()` applies every module's wraps once, in a fixed order.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any


def wrap(owner: type, name: str, wrapper: Callable[..., Any]) -> None:
    inner = getattr(owner, name, None)
    if inner is None:  # an operation moto lacks: the wrapper is the whole implementation

        def missing(self: Any, *args: Any, **kwargs: Any) -> Any:
            raise NotImplementedError(f"{owner.__name__}.{name}")

        inner = missing

    @functools.wraps(wrapper)
    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        return wrapper(inner, self, *args, **kwargs)

    setattr(owner, name, method)
