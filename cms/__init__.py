"""Wagtail page types, blocks and site settings for a municipality's public site."""
