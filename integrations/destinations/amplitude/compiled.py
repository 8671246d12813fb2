"""The compiled blueprint: what the transform reads, frozen and parsed once."""

from dataclasses import dataclass

Paths = tuple[str, ...]


@dataclass(frozen=True)
class EventRule:
    rename: str | None
    drop: bool
    mappings: tuple[tuple[str, Paths], ...]  # (event property, paths read in order)
    keep_unmapped: bool


@dataclass(frozen=True)
class Revenue:
    events: frozenset[str]
    refund_events: frozenset[str]
    revenue: Paths
    price: Paths
    quantity: Paths
    product_id: Paths
    revenue_type: Paths
    per_product: bool
    product_event: str


@dataclass(frozen=True)
class Compiled:
    user_id_fallbacks: Paths
    device_id_fallbacks: Paths
    consent_category: str
    allow_missing_consent: bool
    allow_missing_by_kind: tuple[tuple[str, bool], ...]
    batch_api: bool
    rules: dict[tuple[str, str | None], EventRule]
    revenue: Revenue | None
    identify: bool
    trait_renames: tuple[tuple[str, str], ...]
    set_once: frozenset[str]
    enrich_user_agent: bool
    enrich_library: bool
    enrich_location: bool
    enrich_campaign: bool
    group_type: str | None
    group_properties: bool

    def rule(self, kind: str, name: str | None) -> EventRule | None:
        """The rule for this exact name, else the type's rule without a name."""
        return self.rules.get((kind, name)) or self.rules.get((kind, None))

    def allows_missing_consent(self, source_kind: str | None) -> bool:
        by_kind = dict(self.allow_missing_by_kind)
        if source_kind in by_kind:
            return by_kind[source_kind]
        return self.allow_missing_consent
