"""The example phrases of seeds/theme_examples.csv, embedded like sentences.

Cached by example: a run embeds only examples added or changed since the last.
Examples removed from the seed are dropped where they are used (they no longer
join to the seed).
"""

import pyarrow as pa

from earshot import language


def model(dbt, session):
    dbt.config(materialized="incremental", unique_key="example_hash")
    examples = dbt.ref("theme_examples").project(
        "md5(theme || ':' || lower(example)) as example_hash, theme, lower(example) as example"
    )
    if dbt.is_incremental:
        examples = examples.filter(f"example_hash not in (select example_hash from {dbt.this})")
    rows = examples.order("example_hash").fetchall()
    texts = [row[2] for row in rows]
    vectors = language.Encoder().encode(texts) if texts else []
    return pa.table(
        {
            "example_hash": pa.array([row[0] for row in rows], pa.string()),
            "theme": pa.array([row[1] for row in rows], pa.string()),
            "example": pa.array(texts, pa.string()),
            "embedding": pa.array([v.tolist() for v in vectors], pa.list_(pa.float32())),
        }
    )
