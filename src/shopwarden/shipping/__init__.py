"""Shipping (SHIP): committed in-stock orders, overdue-shipment penalties, weekly exemption."""
