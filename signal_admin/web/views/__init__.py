"""The admin UI's pages and the public pages (demo shop, health check, SDK settings)."""
