"""Run configuration shared by every asset that swaps source facts into the warehouse."""

import dagster as dg

from warehouse.store import ShrinkPolicy


class LoadGuardConfig(dg.Config):
    """The shrink guard's settings (Launchpad: ``ops: {<asset>: {config: {...}}}``)."""

    allow_shrink: bool = False
    """Allow a load to empty a partition that had rows, or shrink it by more than
    max_shrink_fraction. Leave off unless the source really removed the rows."""
    max_shrink_fraction: float = 0.5
    """Largest fraction of a partition's stored rows a load may remove without allow_shrink."""

    def shrink_policy(self) -> ShrinkPolicy:
        return ShrinkPolicy(max_fraction=self.max_shrink_fraction, allow=self.allow_shrink)
