"""Journeys through the app in real Chromium (Playwright), checked with axe."""
