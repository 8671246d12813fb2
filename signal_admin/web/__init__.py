"""The web layer: pages, the Management API, the live-events socket and their URL confs.

It sits on top: it imports `delivery` and `integrations`, and neither imports it
(tests/test_layering.py holds the rule).
"""
