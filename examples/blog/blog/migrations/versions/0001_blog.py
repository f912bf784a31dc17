"""Phase 1: the blog as it was."""
import sqlalchemy as sa
from alembic import op

revision = "0001_blog"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("Author", sa.Column("id", sa.Text, nullable=False), sa.Column("name", sa.Text, nullable=False),
                    sa.PrimaryKeyConstraint("id", name="Author_pkey"))
    op.create_table("Post", sa.Column("id", sa.Text, nullable=False), sa.Column("authorId", sa.Text, nullable=False),
                    sa.Column("title", sa.Text, nullable=False), sa.Column("body", sa.Text),
                    sa.Column("publishedAt", sa.DateTime),
                    sa.PrimaryKeyConstraint("id", name="Post_pkey"),
                    sa.ForeignKeyConstraint(["authorId"], ["Author.id"], name="Post_authorId_fkey", ondelete="CASCADE"))


def downgrade() -> None:
    op.drop_table("Post")
    op.drop_table("Author")
