"""The resolution at which durations are counted, so that percentiles add up across rollups.

A duration is rounded up to whole units (seconds, or milliseconds for time to first token), and
above 100 units up to two significant digits: 7.2 s -> 8, 101 s -> 110, 1,234 s -> 1,300. The
value of a bucket is its upper bound, so a reported median of 1,300 s means "the middle
conversation waited more than 1,200 s and at most 1,300 s". The error is at most 10 % (just above
100) and usually far less. The same function exists in SQL (`analytics_bucket`, created by the
first migration; one expression, so PostgreSQL inlines it) and both are tested to agree.
"""

from __future__ import annotations

import math

SQL_FUNCTION = """
CREATE OR REPLACE FUNCTION analytics_bucket(x double precision) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN x IS NULL THEN NULL
        WHEN x <= 0 THEN 0::bigint
        WHEN ceil(x) <= 100 THEN ceil(x)::bigint
        ELSE ((ceil(x)::bigint + (10 ^ (length(ceil(x)::bigint::text) - 2))::bigint - 1)
              / (10 ^ (length(ceil(x)::bigint::text) - 2))::bigint)
             * (10 ^ (length(ceil(x)::bigint::text) - 2))::bigint
    END
$$;
"""

DROP_SQL_FUNCTION = "DROP FUNCTION IF EXISTS analytics_bucket(double precision);"


def bucket(x: float) -> int:
    """Python twin of the SQL function (used by tests and the fixtures' expected values)."""
    if x <= 0:
        return 0
    v = math.ceil(x)
    if v <= 100:
        return v
    p = 10 ** (len(str(v)) - 2)
    return ((v + p - 1) // p) * p
