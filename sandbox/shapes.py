"""Named shops shaped unlike the demo, as real shops are, for tests and reports.

Each names how the shop is generated (a :class:`~sandbox.generate.Shape` and
its planted truths), which sources it connects and with which settings, and
what Earshot should say about it: whether the call-tag check should warn, and
whether its planted demand rise must be signalled two weeks ahead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sandbox import harness
from sandbox.generate import SCALES, UNFAMILIAR_TAGS, Plants, Scale, Shape, generate

ALL_SOURCES = ("shopify", "aircall", "judgeme")


@dataclass(frozen=True)
class ShopCase:
    shape: Shape = field(default_factory=Shape)
    sources: tuple[str, ...] = ALL_SOURCES
    # environment for the loads, such as a source option
    settings: dict[str, str] = field(default_factory=dict)
    plants: Plants = field(default_factory=Plants)
    # whether the call-tag check should warn on this shop
    tags_warn: bool = False
    # whether the planted signal products must signal two weeks before their rise
    signals_lead: bool = False

    @property
    def has_transcripts(self) -> bool:
        return (
            "aircall" in self.sources
            and self.shape.transcripts
            and self.settings.get("SOURCES__AIRCALL__TRANSCRIPTS", "true") != "false"
        )


SHOP_CASES = {
    "no_transcripts": ShopCase(shape=Shape(transcripts=False)),
    "transcripts_disabled": ShopCase(settings={"SOURCES__AIRCALL__TRANSCRIPTS": "false"}),
    "shopify_only": ShopCase(shape=Shape(vendors=("shopify",)), sources=("shopify",)),
    "shopify_and_judgeme": ShopCase(
        shape=Shape(vendors=("shopify", "judgeme")), sources=("shopify", "judgeme")
    ),
    "twelve_weeks": ShopCase(shape=Shape(weeks=12)),
    "sparse_records": ShopCase(shape=Shape(sparse=True)),
    "unfamiliar_tags": ShopCase(shape=Shape(tag_names=UNFAMILIAR_TAGS), tags_warn=True),
    # asks for the signal products rise from week 8, demand (theirs and the controls') at 11
    "half_year_demand": ShopCase(
        shape=Shape(weeks=26),
        plants=Plants(demand_rise_week=11, signal_lead_weeks=3, signal_asks_per_week=6),
        signals_lead=True,
    ),
}


def build_case(name: str, root: Path, seed: int = 5, scale: Scale = SCALES["XS"]) -> Path:
    """Generate shop ``name`` under ``root``, load what it connects, run ``dbt build``."""
    case = SHOP_CASES[name]
    generate(root / "shop", seed=seed, scale=scale, plants=case.plants, shape=case.shape)
    return harness.build_warehouse(
        root / "shop", root / "warehouse", sources=case.sources, settings=case.settings
    )
