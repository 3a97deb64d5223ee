"""The policy book (POL-1..4): versioned, validated policy files and the version in force.

``model`` holds one version, ``loader`` reads files, ``store`` holds the book and publishes,
``diff`` compares versions, and ``types`` the field types the families' schemas share. The
policy package knows no family: each domain owns the schema of its own numbers and the
composition root (``shopwarden.families.POLICY_SCHEMAS``) hands them to the loader and the
store. Import from the modules themselves: this package re-exports nothing, because the
domain schemas import ``policy.types`` and a re-export here would make that import circular.
"""
