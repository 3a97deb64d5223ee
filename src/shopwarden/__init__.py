"""shopwarden: the merchant-governance engine of an online marketplace.

The rule book is ``shared/SPEC.md``; every rule cited in code (``# DEP-4``) is one of its IDs.
"""

__version__ = "0.1.0"
