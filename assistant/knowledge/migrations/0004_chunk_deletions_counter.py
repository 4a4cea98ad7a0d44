"""A counter of statements that deleted chunks, for the spelling vocabulary's freshness check.

spelling.py keeps the published words per process and used `max(id), count(*)` of the chunk
table to notice changes: the count read every row, 15 ms at 100,000 chunks on every question
(issue 23, B6). New chunks still show in max(id); deletions now bump this sequence from a
statement-level trigger, which is one row to read. A sequence is not transactional, so a
rolled-back delete also bumps it: the vocabulary is then read again once, needlessly but
correctly.
"""

from django.db import migrations

FORWARD = """
CREATE SEQUENCE knowledge_chunk_deletions;
CREATE FUNCTION knowledge_chunk_count_deletion() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM nextval('knowledge_chunk_deletions');
    RETURN NULL;
END $$;
CREATE TRIGGER knowledge_chunk_deleted AFTER DELETE OR TRUNCATE ON knowledge_chunk
    FOR EACH STATEMENT EXECUTE FUNCTION knowledge_chunk_count_deletion();
"""

BACKWARD = """
DROP TRIGGER knowledge_chunk_deleted ON knowledge_chunk;
DROP FUNCTION knowledge_chunk_count_deletion();
DROP SEQUENCE knowledge_chunk_deletions;
"""


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0003_halfvec_narrow_embedding_indexes")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
