"""The engines that run Ibis expressions over the order facts: DuckDB (default) or Spark.

What the expressions compute belongs to the domain that reads them (the score's are in
``scoring``); this package only connects an engine to the facts folder.
"""
