"""Revenue on Amplitude events: `revenue`, `price`, `quantity`, `productId`, `revenueType`.

Amplitude computes revenue as price x quantity when price is sent, else takes `revenue`;
negative values are refunds. One order event carries the order's revenue; with the
blueprint's `per_product`, the order event carries none and each item of
`properties.products` becomes its own "Product Purchased" event with its price, quantity
and productId (so revenue is never counted twice).
"""

from typing import Any

from integrations.destinations.amplitude.call import Call
from integrations.destinations.amplitude.hints import (
    PRODUCT_WITHOUT_PRICE,
    REVENUE_WITHOUT_AMOUNT,
)
from integrations.destinations.amplitude.paths import first
from integrations.destinations.base import Notice


def number(value: Any) -> float | int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        try:
            parsed = float(value.strip().replace(",", ""))
        except ValueError:
            return None
        return int(parsed) if parsed.is_integer() else parsed
    return None


def _signed(value: float | int, refund: bool) -> float | int:
    return -abs(value) if refund else value


def apply(
    call: Call, name: str | None, item: dict[str, Any], base: dict[str, Any]
) -> list[dict[str, Any]]:
    """Fills the order event's revenue fields; answers the per-product events to send."""
    spec = call.bp.revenue
    if spec is None or name is None:
        return []
    refund = name in spec.refund_events
    if not refund and name not in spec.events:
        return []
    products = first(call.event, ("properties.products",))
    if spec.per_product and not refund and isinstance(products, list) and products:
        return _per_product(call, spec.product_event, products, base)
    amount = number(first(call.event, spec.revenue))
    price = number(first(call.event, spec.price))
    if amount is None and price is None:
        call.warnings.append(
            Notice(REVENUE_WITHOUT_AMOUNT, f"{name} has no numeric revenue: none was sent")
        )
        return []
    if price is not None:
        item["price"] = _signed(price, refund)
        item["quantity"] = number(first(call.event, spec.quantity)) or 1
    else:
        item["revenue"] = _signed(amount, refund)  # type: ignore[arg-type]
    if product_id := first(call.event, spec.product_id):
        item["productId"] = str(product_id)
    kind = first(call.event, spec.revenue_type)
    item["revenueType"] = str(kind) if kind else ("refund" if refund else "purchase")
    return []


def _per_product(
    call: Call, event_type: str, products: list[Any], base: dict[str, Any]
) -> list[dict[str, Any]]:
    out = []
    order_id = first(call.event, ("properties.order_id",))
    for index, product in enumerate(products):
        product = product if isinstance(product, dict) else {}
        price = number(product.get("price"))
        if price is None:
            call.warnings.append(
                Notice(
                    PRODUCT_WITHOUT_PRICE,
                    f"products[{index}] has no numeric price: no {event_type} event was sent "
                    "for it",
                )
            )
            continue
        item = {**base, "event_type": event_type}
        if base.get("insert_id"):
            item["insert_id"] = f"{base['insert_id']}-{index}"
        item["price"] = price
        item["quantity"] = number(product.get("quantity")) or 1
        if product_id := product.get("product_id") or product.get("sku"):
            item["productId"] = str(product_id)
        item["revenueType"] = "purchase"
        props = {k: v for k, v in product.items() if k not in ("price", "quantity")}
        item["event_properties"] = props | ({"order_id": order_id} if order_id else {})
        out.append(item)
    return out
