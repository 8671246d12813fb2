"""The compiled blueprint: frozen, pre-parsed structures the transform reads on the hot path."""

from dataclasses import dataclass

from integrations.destinations.mixpanel.paths import Path

# Event properties Signal sets itself (identity, dedupe, auth, geolocation) and names
# Mixpanel reserves (`bucket`, `$bucket`): a source property or a mapping never overrides them.
SYSTEM_PROPERTIES = frozenset(
    {"token", "time", "distinct_id", "$insert_id", "ip", "$device_id", "$user_id"}
    | {"bucket", "$bucket"}
)


@dataclass(frozen=True)
class Mapping:
    """One mapped event property: its Mixpanel name and the paths it reads, first present."""

    target: str
    paths: tuple[Path, ...]
    numeric: bool = False  # a numeric string is sent as a number ("49.00" -> 49.0)


@dataclass(frozen=True)
class EventRule:
    index: int
    type: str
    name: str | None
    rename: str | None
    drop: bool
    mappings: tuple[Mapping, ...]
    consumed: frozenset[str]  # source properties a mapping already sent under another name
    keep_unmapped: bool

    @property
    def label(self) -> str:
        """How the rule is named in decisions, e.g. `events[2] (track "Heartbeat")`."""
        match = f'{self.type} "{self.name}"' if self.name is not None else f"any {self.type}"
        return f"events[{self.index}] ({match})"


@dataclass(frozen=True)
class Revenue:
    events: frozenset[str]  # source event names that carry revenue
    amount: tuple[Path, ...]
    currency: tuple[Path, ...]
    order_id: tuple[Path, ...]
    product_ids: tuple[Path, ...]
    transactions: bool  # also append to the profile's $transactions list
    refund_events: frozenset[str] = frozenset()  # source names whose amount is sent negative


@dataclass(frozen=True)
class Traits:
    profiles: bool  # send identify traits to /engage
    reserved: tuple[tuple[tuple[str, ...], str], ...]  # (trait key path, Mixpanel name)
    set_once: frozenset[str]  # trait names sent with $set_once instead of $set
    # Also update profiles of anonymous users (no userId): identify/group traits and the
    # $transactions entry. Off by default, as Mixpanel advises.
    anonymous_profiles: bool = False


@dataclass(frozen=True)
class Compiled:
    mode: str  # "original" or "simplified" ID merge
    consent_category: str
    allow_missing_consent: bool
    always_import: bool
    named_rules: dict[tuple[str, str], EventRule]
    any_rules: dict[str, EventRule]
    revenue: Revenue | None
    traits: Traits
    enrich_page: bool
    enrich_user_agent: bool
    enrich_campaign: bool
    enrich_library: bool
    group_key: str | None
    # Paths read, in order, for an id the event does not carry itself.
    user_id_fallbacks: tuple[Path, ...] = ()
    anonymous_id_fallbacks: tuple[Path, ...] = ()
    # (source kind, allow) pairs that override allow_missing_consent for that kind.
    allow_missing_by_kind: tuple[tuple[str, bool], ...] = ()

    def allows_missing_consent(self, source_kind: str | None) -> bool:
        """Whether an event with no consent information may go, given where it came from."""
        return dict(self.allow_missing_by_kind).get(source_kind, self.allow_missing_consent)

    def rule_for(self, kind: str, name: str | None) -> EventRule | None:
        """The first rule (in blueprint order) matching this type and name."""
        named = self.named_rules.get((kind, name)) if name is not None else None
        wildcard = self.any_rules.get(kind)
        if named is None or wildcard is None:
            return named or wildcard
        return named if named.index < wildcard.index else wildcard
