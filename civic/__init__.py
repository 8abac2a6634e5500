"""Civic: the project package (settings, routing, tenancy and integrations shared by the apps)."""
