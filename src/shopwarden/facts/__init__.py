"""Order facts: the schema, ingestion with quarantine, Parquet storage and the generator."""
