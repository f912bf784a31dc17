"""Phase 3 (opt-in): Post goes, archived first; down puts it back."""
import sqlalchemy as sa
from alembic import op

from phased.schema import preserve

revision = "0003_drop_posts"
down_revision = "0002_add_articles"
branch_labels = None
depends_on = None

COLUMNS = ["id", "authorId", "title", "body", "publishedAt"]


def upgrade() -> None:
    preserve.save("3", "Post", COLUMNS)
    op.drop_table("Post")


def downgrade() -> None:
    op.create_table("Post", sa.Column("id", sa.Text, nullable=False), sa.Column("authorId", sa.Text, nullable=False),
                    sa.Column("title", sa.Text, nullable=False), sa.Column("body", sa.Text),
                    sa.Column("publishedAt", sa.DateTime),
                    sa.PrimaryKeyConstraint("id", name="Post_pkey"),
                    sa.ForeignKeyConstraint(["authorId"], ["Author.id"], name="Post_authorId_fkey", ondelete="CASCADE"))
    preserve.restore("3", "Post", COLUMNS)
