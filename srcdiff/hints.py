"""Type aliases of the public API: the functions srcdiff transforms, ``wrt``, and what it returns."""
from __future__ import annotations

from typing import Any, Callable, Protocol, Sequence, TypeVar, Union

Function = Callable[..., Any]  # a plain Python function of NumPy values
F = TypeVar("F", bound=Callable[..., Any])  # a decorated function, returned unchanged
T = TypeVar("T")  # any value, returned unchanged
Wrt = Union[int, str, Sequence[Union[int, str]]]  # a parameter's index or name, or a sequence of them
Pullback = Callable[[Any], Any]  # the cotangent of the output -> the cotangents of the ``wrt`` arguments


class Transformation(Protocol):
    """What ``grad``, ``value_and_grad``, ``vjp`` and ``forward`` return: called like the user's
    function, and showing the Python source srcdiff generated for it."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any: ...

    @property
    def source(self) -> str: ...

    def source_for(self, *args: Any, **kwargs: Any) -> str: ...

    def sources(self, *args: Any, **kwargs: Any) -> dict[str, str]: ...

    def stages(self, *args: Any, **kwargs: Any) -> list[tuple[str, str]]: ...
