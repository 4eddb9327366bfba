"""Positions on the map: datums (WGS-84, GCJ-02), distances, reverse geocoding, photo stamps.

Browsers report WGS-84; Chinese map services (AMap/高德, Tencent) take and return GCJ-02,
the shifted datum their maps are drawn in. Every stored coordinate says which datum it is in,
and distances are measured on one datum (``datum.distance_m`` converts first).
"""
