"""The Mixpanel destination: catalog entry, blueprints, transform and HTTP client."""
