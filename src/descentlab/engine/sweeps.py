"""Several sweeps on one landscape (one per optimizer) as one result."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, overload

from .. import landscapes
from ..landscapes import Landscape
from .storage import save_frame
from .sweep import Sweep

if TYPE_CHECKING:
    import pandas as pd


class Sweeps(Sequence[Sweep]):
    """Sweeps on one landscape, compared: a sequence of `Sweep` with tables over all.

    ``to_frame()`` stacks their rows under an ``optimizer`` column, ``summary()``
    their summaries (each best first), ``save()`` writes the stacked rows.
    """

    def __init__(self, sweeps: Iterable[Sweep]) -> None:
        items = tuple(sweeps)
        if not items or not all(isinstance(s, Sweep) for s in items):
            raise TypeError("Sweeps holds one Sweep or more")
        if any(s.landscape.name != items[0].landscape.name for s in items):
            raise ValueError("the sweeps compared must share one landscape")
        self._sweeps = items

    @overload
    def __getitem__(self, index: int) -> Sweep: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Sweep]: ...
    def __getitem__(self, index: int | slice) -> Sweep | Sequence[Sweep]:
        return self._sweeps[index]

    def __len__(self) -> int:
        return len(self._sweeps)

    def __iter__(self) -> Iterator[Sweep]:
        return iter(self._sweeps)

    @property
    def landscape(self) -> Landscape:
        return self._sweeps[0].landscape

    @property
    def specs(self) -> list[str]:
        """The optimizer spec of each sweep, in order."""
        return [s.spec for s in self._sweeps]

    def to_frame(self) -> pd.DataFrame:
        """One row per trajectory of every sweep, the optimizer's spec first."""
        import pandas as pd

        frame = pd.concat(
            [s.to_frame().assign(optimizer=s.spec) for s in self._sweeps], ignore_index=True
        )
        return frame[["optimizer", *[c for c in frame.columns if c != "optimizer"]]]

    def summary(self) -> pd.DataFrame:
        """Every sweep's `Sweep.summary`, one after the other."""
        import pandas as pd

        return pd.concat([s.summary() for s in self._sweeps], ignore_index=True)

    def save(self, path: str | Path) -> Path:
        """Write the rows of `to_frame` as .csv, .parquet or .npz (by the extension)."""
        grid: dict[str, list[str]] = {}
        for sweep in self._sweeps:
            for name, values in sweep.grid.items():
                known = grid.setdefault(name, [])
                known += [text for text in map(str, values) if text not in known]
        meta = {
            "kind": "sweep-table",
            "landscape": landscapes.describe(self.landscape),
            "specs": self.specs,
            "grid": grid,
        }
        return save_frame(path, self.to_frame(), meta)

    def __repr__(self) -> str:
        count = f"{len(self)} sweep" if len(self) == 1 else f"{len(self)} sweeps"
        head = f"Sweeps on {self.landscape.name}: {count} ({', '.join(self.specs)})"
        body = [f"  {line}" for s in self._sweeps for line in repr(s).splitlines()]
        return "\n".join([head, *body])
