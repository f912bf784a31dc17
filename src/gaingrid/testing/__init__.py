"""What the test suite and the benchmarks share: a throwaway PostgreSQL server,
the real legacy app (the Prisma client generated from legacy.prisma) as a
load, and the online-migration harness that drives it."""
