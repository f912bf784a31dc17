"""Phase 2: Article. The engine installs the sync and runs the backfill declared in blog.phases.
Down archives the articles (some were written by the new app) and a later up puts them back."""
import sqlalchemy as sa
from alembic import op

from phased.schema import preserve

revision = "0002_add_articles"
down_revision = "0001_blog"
branch_labels = None
depends_on = None

COLUMNS = ["id", "slug", "title", "byline", "text", "publishedAt"]


def upgrade() -> None:
    op.create_table("Article", sa.Column("id", sa.Text, nullable=False), sa.Column("slug", sa.Text, nullable=False),
                    sa.Column("title", sa.Text, nullable=False), sa.Column("byline", sa.Text, nullable=False),
                    sa.Column("text", sa.Text), sa.Column("publishedAt", sa.DateTime),
                    sa.PrimaryKeyConstraint("id", name="Article_pkey"))
    preserve.restore("2", "Article", COLUMNS)


def downgrade() -> None:
    preserve.save("2", "Article", COLUMNS)
    op.drop_table("Article")
