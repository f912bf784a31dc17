"""A small blog whose posts become articles: a second project on the gaingrid migration engine."""
