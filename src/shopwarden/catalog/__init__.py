"""Merchants, products with SKUs, and the nested category tree."""
