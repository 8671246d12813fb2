"""The Management API (placeholder)."""

from ninja import NinjaAPI

api = NinjaAPI(title="Signal Management API", version="1.0.0", urls_namespace="admin-api")
