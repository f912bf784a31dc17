"""Phase 2, extend_user_model: fitness fields on User.

All nullable or with a constant default, so PostgreSQL adds them without
rewriting the table. Down archives their values, and a later up puts them back.
"""
import sqlalchemy as sa
from alembic import op

from gaingrid.migrations.prisma import TIMESTAMP, TRUE
from phased.schema import preserve

revision = "0002_extend_user_model"
down_revision = "0001_legacy"
branch_labels = None
depends_on = None

def columns() -> list[sa.Column]:
    return [
        sa.Column("fitnessLevel", sa.Text),
        sa.Column("goals", sa.Text),
        sa.Column("height", sa.Integer),
        sa.Column("isActive", sa.Boolean, nullable=False, server_default=TRUE),
        sa.Column("lastLogin", TIMESTAMP),
        sa.Column("timezone", sa.Text),
        sa.Column("weight", sa.Double),
    ]


NAMES = ["id", *(c.name for c in columns())]


def upgrade() -> None:
    for column in columns():
        op.add_column("User", column)
    preserve.restore("2", "User", NAMES, key="id")


def downgrade() -> None:
    preserve.save("2", "User", NAMES)
    for name in reversed(NAMES[1:]):
        op.drop_column("User", name)
