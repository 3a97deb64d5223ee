"""The policy book (POL-1..4): versioned, validated policy files and the version in force.

``model`` holds one version, ``loader`` reads files, ``store`` holds the book and publishes,
``diff`` compares versions, ``families`` names the parameter schema of each family, and
``types`` the field types those schemas share. Import from the modules themselves: this
package re-exports nothing, because the domain schemas import ``policy.types`` and a
re-export here would make that import circular.
"""
