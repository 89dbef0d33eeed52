"""The result of a paginated Canvas request."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Generic, TypeVar, overload

T = TypeVar("T")


@dataclass
class Listing(Generic[T]):
    """Records gathered across pages.

    ``truncated`` is True when more records may exist than are here: the
    record cap was reached, or a next page was not fetched because its
    address pointed away from the configured Canvas.
    """

    items: list[T] = field(default_factory=list)
    truncated: bool = False

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> list[T]: ...

    def __getitem__(self, index: int | slice) -> T | list[T]:
        return self.items[index]
