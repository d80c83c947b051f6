"""Viewer components (widgets built from param stores, HoloViews DynamicMaps)."""
