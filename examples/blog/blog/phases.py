"""The blog's migration plan, as data: phases, a backfill, and a check of its own."""
from __future__ import annotations

import sqlalchemy as sa

from phased.declare.backfill import Backfill, Parent
from phased.declare.phase import Phase, Project
from phased.verification.checks import CheckResult, Context, Work
from phased.verification.checks.backfill import BackfillMatches
from phased.verification.checks.consistency import NewRowsConsistent
from phased.verification.checks.schema import SchemaMatches
from phased.verification.checks.sync import SyncInstalled
from phased.verification.checks.validity import ConstraintsValid

from .models import metadata

# One article per post, with the same id; the byline is the author's name.
ARTICLES = Backfill(
    name="articles",
    source="Post",
    target="Article",
    parents=(Parent("Author", alias="a", on="authorId"),),
    columns={"id": "s.id", "slug": "s.id", "title": "s.title", "byline": "a.name", "text": "s.body",
             "publishedAt": "s.publishedAt"},
)


class EveryArticleHasATitle:
    """The blog's own check, declared like the engine's: no article with an empty title."""

    def plan(self, ctx: Context, owner, work: Work) -> None:
        def count(conn: sa.Connection) -> int:
            return conn.exec_driver_sql("SELECT count(*) FROM \"Article\" WHERE trim(title) = ''").scalar_one()

        def finish(results: list[int]) -> list[CheckResult]:
            (empty,) = results
            return [CheckResult(owner.number, "every article has a title", empty == 0,
                                f"{empty} articles without a title" if empty else "all titled")]

        if "Article" in sa.inspect(ctx.conn).get_table_names():
            work.add([count], finish)


BLOG = Project(
    name="blog",
    phases=(
        Phase(1, "blog", "Author and Post"),
        Phase(2, "add_articles", "Article, filled from Post and kept in step with it", backfills=(ARTICLES,),
              checks=(NewRowsConsistent(), SyncInstalled(ARTICLES), BackfillMatches(ARTICLES),
                      EveryArticleHasATitle())),
        Phase(3, "drop_posts", "drop Post (archived first)", opt_in=True, retires=("articles",)),
    ),
    script_location="blog:migrations",
    metadata=metadata,
    namespace="blog_migrate",
    checks=(SchemaMatches(), ConstraintsValid()),
    command="blog-migrate",
    title="Blog",
)
