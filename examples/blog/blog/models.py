"""The blog's models, tagged with the phase that adds (or drops) each table."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Author(Base):
    __tablename__ = "Author"
    __table_args__ = (sa.PrimaryKeyConstraint("id", name="Author_pkey"),)

    id: Mapped[str] = mapped_column(sa.Text)
    name: Mapped[str] = mapped_column(sa.Text, nullable=False)


class Post(Base):
    __tablename__ = "Post"
    __table_args__ = (sa.PrimaryKeyConstraint("id", name="Post_pkey"), {"info": {"phase": 1, "dropped_in": 3}})

    id: Mapped[str] = mapped_column(sa.Text)
    authorId: Mapped[str] = mapped_column(sa.Text, sa.ForeignKey("Author.id", name="Post_authorId_fkey",
                                                                   ondelete="CASCADE"), nullable=False)
    title: Mapped[str] = mapped_column(sa.Text, nullable=False)
    body: Mapped[str | None] = mapped_column(sa.Text)
    publishedAt: Mapped[datetime | None] = mapped_column(sa.DateTime)


class Article(Base):
    __tablename__ = "Article"
    __table_args__ = (sa.PrimaryKeyConstraint("id", name="Article_pkey"), {"info": {"phase": 2}})

    id: Mapped[str] = mapped_column(sa.Text)
    slug: Mapped[str] = mapped_column(sa.Text, nullable=False)
    title: Mapped[str] = mapped_column(sa.Text, nullable=False)
    byline: Mapped[str] = mapped_column(sa.Text, nullable=False)
    text: Mapped[str | None] = mapped_column(sa.Text)
    publishedAt: Mapped[datetime | None] = mapped_column(sa.DateTime)


metadata = Base.metadata
