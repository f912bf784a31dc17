"""A second project, a blog (examples/blog), on the same engine: its own models, phases,
backfill and check run up, verify, down and up with no change to the engine."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from phased.dialects import engines
from phased.lifecycle.commands import Migrator

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples" / "blog"))
from blog.phases import BLOG  # noqa: E402


def run(url: str, *statements: str) -> None:
    engine = engines.create_engine(engines.parse_url(url))
    with engine.begin() as conn:
        for s in statements:
            conn.exec_driver_sql(s)
    engine.dispose()


def rows(url: str, query: str) -> list:
    engine = engines.create_engine(engines.parse_url(url))
    with engine.connect() as conn:
        found = [tuple(r) for r in conn.exec_driver_sql(query)]
    engine.dispose()
    return found


ARTICLES = 'SELECT id, slug, title, byline, text FROM "Article" ORDER BY id'


def test_the_blog_migrates_up_verifies_goes_down_and_up_again(db_url):
    blog = Migrator(BLOG, db_url)
    blog.up(to=1)
    run(db_url, "INSERT INTO \"Author\" VALUES ('a1', 'Ada'), ('a2', 'Grace')",
        "INSERT INTO \"Post\" (id, \"authorId\", title, body) VALUES ('p1', 'a1', 'Engines', 'On engines'), "
        "('p2', 'a2', 'Compilers', NULL), ('p3', 'a1', 'Notes', 'More')")
    blog.up()
    assert blog.status().phase_number == 2
    result = blog.verify()
    assert result.ok, [c for c in result.checks if not c.ok]
    assert {"every article has a title", "articles: sync installed", "articles: every row matches its source"} \
        <= {c.name for c in result.checks}
    assert rows(db_url, ARTICLES) == [("p1", "p1", "Engines", "Ada", "On engines"), ("p2", "p2", "Compilers", "Grace", None),
                                      ("p3", "p3", "Notes", "Ada", "More")]

    # The old blog keeps writing: the sync carries each write over.
    run(db_url, "UPDATE \"Post\" SET title = 'Engines, revised' WHERE id = 'p1'", "DELETE FROM \"Post\" WHERE id = 'p3'",
        "INSERT INTO \"Post\" (id, \"authorId\", title) VALUES ('p4', 'a2', 'Debugging')",
        "UPDATE \"Author\" SET name = 'Grace Hopper' WHERE id = 'a2'")
    assert rows(db_url, ARTICLES) == [("p1", "p1", "Engines, revised", "Ada", "On engines"),
                                      ("p2", "p2", "Compilers", "Grace Hopper", None),
                                      ("p4", "p4", "Debugging", "Grace Hopper", None)]
    assert blog.verify().ok

    blog.down(to=1)
    assert blog.status().phase_number == 1 and "Article" not in sa.inspect(
        engines.create_engine(blog.url)).get_table_names()
    blog.up()
    assert blog.verify().ok and len(rows(db_url, ARTICLES)) == 3

    blog.up(to=3)  # the opt-in phase: Post goes, archived
    assert blog.verify().ok
    blog.down(to=2)
    assert rows(db_url, 'SELECT id FROM "Post" ORDER BY id') == [("p1",), ("p2",), ("p4",)]
    assert blog.verify().ok


def test_the_blog_check_fails_when_its_rule_is_broken(db_url):
    blog = Migrator(BLOG, db_url)
    blog.up(to=1)
    run(db_url, "INSERT INTO \"Author\" VALUES ('a1', 'Ada')",
        "INSERT INTO \"Post\" (id, \"authorId\", title) VALUES ('p1', 'a1', '  ')")
    with pytest.raises(Exception, match="every article has a title"):
        blog.up()


def test_the_blog_plan_renders_for_both_databases():
    for url in ("postgresql+psycopg://u@nowhere.invalid/blog", "sqlite:///never-created-blog.db"):
        sql = Migrator(BLOG, url).render_sql(Migrator(BLOG, url).plan(2, start=0))
        assert 'CREATE TABLE "Article"' in sql and "blog_migrate" in sql
