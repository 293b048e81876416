"""Search spaces declared as data, next to the recipes they tune."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal


@dataclass(frozen=True)
class Param:
    name: str
    kind: Literal["float", "int", "categorical"]
    low: float | None = None
    high: float | None = None
    log: bool = False
    choices: tuple[Any, ...] = ()

    @classmethod
    def float(cls, name: str, low: float, high: float, log: bool = False) -> Param:
        return cls(name, "float", low, high, log)

    @classmethod
    def int(cls, name: str, low: int, high: int, log: bool = False) -> Param:
        return cls(name, "int", low, high, log)

    @classmethod
    def choice(cls, name: str, *choices: Any) -> Param:
        return cls(name, "categorical", choices=tuple(choices))

    def contains(self, value: Any) -> bool:
        if self.kind == "categorical":
            return value in self.choices
        return self.low <= value <= self.high
