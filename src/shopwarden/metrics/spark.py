"""One Spark session per process, local and quiet, bound to the loopback interface.

``SHOPWARDEN_SPARK_MASTER`` picks the master (default ``local[*]``); the tests use
``local[2]`` and two shuffle partitions, because a handful of merchants needs no more.
"""

from __future__ import annotations

import os
from typing import Any

from shopwarden.metrics.quiet import quiet

_SESSION: Any = None


def spark_session(master: str | None = None, shuffle_partitions: int | None = None) -> Any:
    global _SESSION
    if _SESSION is not None:
        return _SESSION
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    with quiet():
        from pyspark.sql import SparkSession

    master = master or os.environ.get("SHOPWARDEN_SPARK_MASTER", "local[*]")
    partitions = shuffle_partitions or int(os.environ.get("SHOPWARDEN_SPARK_PARTITIONS", "8"))
    session = (
        SparkSession.builder.master(master)
        .appName("shopwarden")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", str(partitions))
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.ansi.enabled", "false")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    _SESSION = session
    return session


def stop_spark() -> None:
    global _SESSION
    if _SESSION is not None:
        _SESSION.stop()
        _SESSION = None
