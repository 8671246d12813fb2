"""The Management API (django-ninja): `root.api` and one router module per resource."""
