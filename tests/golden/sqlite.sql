-- sync: the objects that keep WorkoutLog in step with WorkoutExercise
CREATE TRIGGER "gaingrid_migrate_workout_log_ins" AFTER INSERT ON "WorkoutExercise"
  BEGIN INSERT INTO "WorkoutLog" ("id", "userId", "exerciseId", "date", "sets", "reps", "weight", "durationMinutes", "notes", "createdAt", "updatedAt")
  SELECT s."id", w."userId", s."exerciseId", w."date", s."sets", s."reps", s."weight", s."time", s."notes", s."createdAt", s."updatedAt"
  FROM "WorkoutExercise" AS s
  JOIN "Workout" AS w ON w."id" = s."workoutId"
  WHERE (s."id" = NEW."id") AND w."userId" IN (SELECT "id"
  FROM "User") AND s."exerciseId" IN (SELECT "id"
  FROM "Exercise")
  ON CONFLICT ("id")
  DO UPDATE SET "userId" = excluded."userId", "exerciseId" = excluded."exerciseId", "date" = excluded."date", "sets" = excluded."sets", "reps" = excluded."reps", "weight" = excluded."weight", "durationMinutes" = excluded."durationMinutes", "notes" = excluded."notes", "createdAt" = excluded."createdAt", "updatedAt" = excluded."updatedAt"
  WHERE "WorkoutLog"."userId" IS NOT excluded."userId" OR "WorkoutLog"."exerciseId" IS NOT excluded."exerciseId" OR "WorkoutLog"."date" IS NOT excluded."date" OR "WorkoutLog"."sets" IS NOT excluded."sets" OR "WorkoutLog"."reps" IS NOT excluded."reps" OR "WorkoutLog"."weight" IS NOT excluded."weight" OR "WorkoutLog"."durationMinutes" IS NOT excluded."durationMinutes" OR "WorkoutLog"."notes" IS NOT excluded."notes" OR "WorkoutLog"."createdAt" IS NOT excluded."createdAt" OR "WorkoutLog"."updatedAt" IS NOT excluded."updatedAt";
  DELETE
  FROM "WorkoutLog"
  WHERE "WorkoutLog"."id" IN (SELECT s."id"
  FROM "WorkoutExercise" AS s
  WHERE s."id" = NEW."id") AND NOT EXISTS (SELECT 1
  FROM "WorkoutExercise" AS s
  JOIN "Workout" AS w ON w."id" = s."workoutId"
  WHERE s."id" = "WorkoutLog"."id" AND w."userId" IN (SELECT "id"
  FROM "User") AND s."exerciseId" IN (SELECT "id"
  FROM "Exercise"));
  INSERT INTO "gaingrid_migrate_quarantine" (backfill, source_key, reason, row, detected_at)
  SELECT 'workout_log', s."id", CASE WHEN w."id" IS NULL THEN 'no Workout ' || COALESCE(s."workoutId", 'NULL') WHEN NOT EXISTS (SELECT 1
  FROM "User" AS r
  WHERE r."id" = w."userId") THEN 'no User ' || COALESCE(w."userId", 'NULL') WHEN NOT EXISTS (SELECT 1
  FROM "Exercise" AS r
  WHERE r."id" = s."exerciseId") THEN 'no Exercise ' || COALESCE(s."exerciseId", 'NULL') END, json_object('createdAt', s."createdAt", 'exerciseId', s."exerciseId", 'id', s."id", 'notes', s."notes", 'reps', s."reps", 'sets', s."sets", 'time', s."time", 'updatedAt', s."updatedAt", 'weight', s."weight", 'workoutId', s."workoutId"), CURRENT_TIMESTAMP
  FROM "WorkoutExercise" AS s
  LEFT
  JOIN "Workout" AS w ON w."id" = s."workoutId"
  WHERE (s."id" = NEW."id") AND NOT EXISTS (SELECT 1
  FROM "WorkoutLog" AS t
  WHERE t."id" = s."id") AND (w."id" IS NULL OR NOT EXISTS (SELECT 1
  FROM "User" AS r
  WHERE r."id" = w."userId") OR NOT EXISTS (SELECT 1
  FROM "Exercise" AS r
  WHERE r."id" = s."exerciseId"))
  ON CONFLICT (backfill, source_key)
  DO UPDATE SET reason = excluded.reason, row = excluded.row;
  DELETE
  FROM "gaingrid_migrate_quarantine"
  WHERE backfill = 'workout_log' AND ("gaingrid_migrate_quarantine".source_key = NEW."id") AND EXISTS (SELECT 1
  FROM "WorkoutLog" AS t
  WHERE t."id" = "gaingrid_migrate_quarantine".source_key);
  END;
CREATE TRIGGER "gaingrid_migrate_workout_log_upd" AFTER UPDATE ON "WorkoutExercise"
  BEGIN DELETE
  FROM "WorkoutLog"
  WHERE "WorkoutLog"."id" = OLD."id" AND NOT EXISTS (SELECT 1
  FROM "WorkoutExercise" AS s
  JOIN "Workout" AS w ON w."id" = s."workoutId"
  WHERE s."id" = "WorkoutLog"."id" AND w."userId" IN (SELECT "id"
  FROM "User") AND s."exerciseId" IN (SELECT "id"
  FROM "Exercise"));
  DELETE
  FROM "gaingrid_migrate_quarantine"
  WHERE backfill = 'workout_log' AND source_key = OLD."id" AND NOT EXISTS (SELECT 1
  FROM "WorkoutExercise" AS s
  WHERE s."id" = "gaingrid_migrate_quarantine".source_key);
  INSERT INTO "WorkoutLog" ("id", "userId", "exerciseId", "date", "sets", "reps", "weight", "durationMinutes", "notes", "createdAt", "updatedAt")
  SELECT s."id", w."userId", s."exerciseId", w."date", s."sets", s."reps", s."weight", s."time", s."notes", s."createdAt", s."updatedAt"
  FROM "WorkoutExercise" AS s
  JOIN "Workout" AS w ON w."id" = s."workoutId"
  WHERE (s."id" = NEW."id") AND w."userId" IN (SELECT "id"
  FROM "User") AND s."exerciseId" IN (SELECT "id"
  FROM "Exercise")
  ON CONFLICT ("id")
  DO UPDATE SET "userId" = excluded."userId", "exerciseId" = excluded."exerciseId", "date" = excluded."date", "sets" = excluded."sets", "reps" = excluded."reps", "weight" = excluded."weight", "durationMinutes" = excluded."durationMinutes", "notes" = excluded."notes", "createdAt" = excluded."createdAt", "updatedAt" = excluded."updatedAt"
  WHERE "WorkoutLog"."userId" IS NOT excluded."userId" OR "WorkoutLog"."exerciseId" IS NOT excluded."exerciseId" OR "WorkoutLog"."date" IS NOT excluded."date" OR "WorkoutLog"."sets" IS NOT excluded."sets" OR "WorkoutLog"."reps" IS NOT excluded."reps" OR "WorkoutLog"."weight" IS NOT excluded."weight" OR "WorkoutLog"."durationMinutes" IS NOT excluded."durationMinutes" OR "WorkoutLog"."notes" IS NOT excluded."notes" OR "WorkoutLog"."createdAt" IS NOT excluded."createdAt" OR "WorkoutLog"."updatedAt" IS NOT excluded."updatedAt";
  DELETE
  FROM "WorkoutLog"
  WHERE "WorkoutLog"."id" IN (SELECT s."id"
  FROM "WorkoutExercise" AS s
  WHERE s."id" = NEW."id") AND NOT EXISTS (SELECT 1
  FROM "WorkoutExercise" AS s
  JOIN "Workout" AS w ON w."id" = s."workoutId"
  WHERE s."id" = "WorkoutLog"."id" AND w."userId" IN (SELECT "id"
  FROM "User") AND s."exerciseId" IN (SELECT "id"
  FROM "Exercise"));
  INSERT INTO "gaingrid_migrate_quarantine" (backfill, source_key, reason, row, detected_at)
  SELECT 'workout_log', s."id", CASE WHEN w."id" IS NULL THEN 'no Workout ' || COALESCE(s."workoutId", 'NULL') WHEN NOT EXISTS (SELECT 1
  FROM "User" AS r
  WHERE r."id" = w."userId") THEN 'no User ' || COALESCE(w."userId", 'NULL') WHEN NOT EXISTS (SELECT 1
  FROM "Exercise" AS r
  WHERE r."id" = s."exerciseId") THEN 'no Exercise ' || COALESCE(s."exerciseId", 'NULL') END, json_object('createdAt', s."createdAt", 'exerciseId', s."exerciseId", 'id', s."id", 'notes', s."notes", 'reps', s."reps", 'sets', s."sets", 'time', s."time", 'updatedAt', s."updatedAt", 'weight', s."weight", 'workoutId', s."workoutId"), CURRENT_TIMESTAMP
  FROM "WorkoutExercise" AS s
  LEFT
  JOIN "Workout" AS w ON w."id" = s."workoutId"
  WHERE (s."id" = NEW."id") AND NOT EXISTS (SELECT 1
  FROM "WorkoutLog" AS t
  WHERE t."id" = s."id") AND (w."id" IS NULL OR NOT EXISTS (SELECT 1
  FROM "User" AS r
  WHERE r."id" = w."userId") OR NOT EXISTS (SELECT 1
  FROM "Exercise" AS r
  WHERE r."id" = s."exerciseId"))
  ON CONFLICT (backfill, source_key)
  DO UPDATE SET reason = excluded.reason, row = excluded.row;
  DELETE
  FROM "gaingrid_migrate_quarantine"
  WHERE backfill = 'workout_log' AND ("gaingrid_migrate_quarantine".source_key = NEW."id") AND EXISTS (SELECT 1
  FROM "WorkoutLog" AS t
  WHERE t."id" = "gaingrid_migrate_quarantine".source_key);
  END;
CREATE TRIGGER "gaingrid_migrate_workout_log_del" AFTER DELETE ON "WorkoutExercise"
  BEGIN DELETE
  FROM "WorkoutLog"
  WHERE "WorkoutLog"."id" = OLD."id" AND NOT EXISTS (SELECT 1
  FROM "WorkoutExercise" AS s
  JOIN "Workout" AS w ON w."id" = s."workoutId"
  WHERE s."id" = "WorkoutLog"."id" AND w."userId" IN (SELECT "id"
  FROM "User") AND s."exerciseId" IN (SELECT "id"
  FROM "Exercise"));
  DELETE
  FROM "gaingrid_migrate_quarantine"
  WHERE backfill = 'workout_log' AND source_key = OLD."id" AND NOT EXISTS (SELECT 1
  FROM "WorkoutExercise" AS s
  WHERE s."id" = "gaingrid_migrate_quarantine".source_key);
  END;
CREATE TRIGGER "gaingrid_migrate_workout_log_w_upd" AFTER UPDATE OF "date", "userId" ON "Workout"
  BEGIN INSERT INTO "WorkoutLog" ("id", "userId", "exerciseId", "date", "sets", "reps", "weight", "durationMinutes", "notes", "createdAt", "updatedAt")
  SELECT s."id", w."userId", s."exerciseId", w."date", s."sets", s."reps", s."weight", s."time", s."notes", s."createdAt", s."updatedAt"
  FROM "WorkoutExercise" AS s
  JOIN "Workout" AS w ON w."id" = s."workoutId"
  WHERE (s."workoutId" = NEW."id") AND w."userId" IN (SELECT "id"
  FROM "User") AND s."exerciseId" IN (SELECT "id"
  FROM "Exercise")
  ON CONFLICT ("id")
  DO UPDATE SET "userId" = excluded."userId", "exerciseId" = excluded."exerciseId", "date" = excluded."date", "sets" = excluded."sets", "reps" = excluded."reps", "weight" = excluded."weight", "durationMinutes" = excluded."durationMinutes", "notes" = excluded."notes", "createdAt" = excluded."createdAt", "updatedAt" = excluded."updatedAt"
  WHERE "WorkoutLog"."userId" IS NOT excluded."userId" OR "WorkoutLog"."exerciseId" IS NOT excluded."exerciseId" OR "WorkoutLog"."date" IS NOT excluded."date" OR "WorkoutLog"."sets" IS NOT excluded."sets" OR "WorkoutLog"."reps" IS NOT excluded."reps" OR "WorkoutLog"."weight" IS NOT excluded."weight" OR "WorkoutLog"."durationMinutes" IS NOT excluded."durationMinutes" OR "WorkoutLog"."notes" IS NOT excluded."notes" OR "WorkoutLog"."createdAt" IS NOT excluded."createdAt" OR "WorkoutLog"."updatedAt" IS NOT excluded."updatedAt";
  DELETE
  FROM "WorkoutLog"
  WHERE "WorkoutLog"."id" IN (SELECT s."id"
  FROM "WorkoutExercise" AS s
  WHERE s."workoutId" = NEW."id") AND NOT EXISTS (SELECT 1
  FROM "WorkoutExercise" AS s
  JOIN "Workout" AS w ON w."id" = s."workoutId"
  WHERE s."id" = "WorkoutLog"."id" AND w."userId" IN (SELECT "id"
  FROM "User") AND s."exerciseId" IN (SELECT "id"
  FROM "Exercise"));
  INSERT INTO "gaingrid_migrate_quarantine" (backfill, source_key, reason, row, detected_at)
  SELECT 'workout_log', s."id", CASE WHEN w."id" IS NULL THEN 'no Workout ' || COALESCE(s."workoutId", 'NULL') WHEN NOT EXISTS (SELECT 1
  FROM "User" AS r
  WHERE r."id" = w."userId") THEN 'no User ' || COALESCE(w."userId", 'NULL') WHEN NOT EXISTS (SELECT 1
  FROM "Exercise" AS r
  WHERE r."id" = s."exerciseId") THEN 'no Exercise ' || COALESCE(s."exerciseId", 'NULL') END, json_object('createdAt', s."createdAt", 'exerciseId', s."exerciseId", 'id', s."id", 'notes', s."notes", 'reps', s."reps", 'sets', s."sets", 'time', s."time", 'updatedAt', s."updatedAt", 'weight', s."weight", 'workoutId', s."workoutId"), CURRENT_TIMESTAMP
  FROM "WorkoutExercise" AS s
  LEFT
  JOIN "Workout" AS w ON w."id" = s."workoutId"
  WHERE (s."workoutId" = NEW."id") AND NOT EXISTS (SELECT 1
  FROM "WorkoutLog" AS t
  WHERE t."id" = s."id") AND (w."id" IS NULL OR NOT EXISTS (SELECT 1
  FROM "User" AS r
  WHERE r."id" = w."userId") OR NOT EXISTS (SELECT 1
  FROM "Exercise" AS r
  WHERE r."id" = s."exerciseId"))
  ON CONFLICT (backfill, source_key)
  DO UPDATE SET reason = excluded.reason, row = excluded.row;
  DELETE
  FROM "gaingrid_migrate_quarantine"
  WHERE backfill = 'workout_log' AND ("gaingrid_migrate_quarantine".source_key IN (SELECT s."id"
  FROM "WorkoutExercise" AS s
  WHERE s."workoutId" = NEW."id")) AND EXISTS (SELECT 1
  FROM "WorkoutLog" AS t
  WHERE t."id" = "gaingrid_migrate_quarantine".source_key);
  END;
CREATE TRIGGER "gaingrid_migrate_workout_log_w_del" AFTER DELETE ON "Workout"
  BEGIN DELETE
  FROM "WorkoutLog"
  WHERE "WorkoutLog"."id" IN (SELECT s."id"
  FROM "WorkoutExercise" AS s
  WHERE s."workoutId" = OLD."id") AND NOT EXISTS (SELECT 1
  FROM "WorkoutExercise" AS s
  JOIN "Workout" AS w ON w."id" = s."workoutId"
  WHERE s."id" = "WorkoutLog"."id" AND w."userId" IN (SELECT "id"
  FROM "User") AND s."exerciseId" IN (SELECT "id"
  FROM "Exercise"));
  INSERT INTO "gaingrid_migrate_quarantine" (backfill, source_key, reason, row, detected_at)
  SELECT 'workout_log', s."id", CASE WHEN w."id" IS NULL THEN 'no Workout ' || COALESCE(s."workoutId", 'NULL') WHEN NOT EXISTS (SELECT 1
  FROM "User" AS r
  WHERE r."id" = w."userId") THEN 'no User ' || COALESCE(w."userId", 'NULL') WHEN NOT EXISTS (SELECT 1
  FROM "Exercise" AS r
  WHERE r."id" = s."exerciseId") THEN 'no Exercise ' || COALESCE(s."exerciseId", 'NULL') END, json_object('createdAt', s."createdAt", 'exerciseId', s."exerciseId", 'id', s."id", 'notes', s."notes", 'reps', s."reps", 'sets', s."sets", 'time', s."time", 'updatedAt', s."updatedAt", 'weight', s."weight", 'workoutId', s."workoutId"), CURRENT_TIMESTAMP
  FROM "WorkoutExercise" AS s
  LEFT
  JOIN "Workout" AS w ON w."id" = s."workoutId"
  WHERE (s."workoutId" = OLD."id") AND NOT EXISTS (SELECT 1
  FROM "WorkoutLog" AS t
  WHERE t."id" = s."id") AND (w."id" IS NULL OR NOT EXISTS (SELECT 1
  FROM "User" AS r
  WHERE r."id" = w."userId") OR NOT EXISTS (SELECT 1
  FROM "Exercise" AS r
  WHERE r."id" = s."exerciseId"))
  ON CONFLICT (backfill, source_key)
  DO UPDATE SET reason = excluded.reason, row = excluded.row;
  END;

-- backfill: `up` runs these statements once per keyset range of 2,000 source rows, each range its own transaction; here for every row at once
BEGIN IMMEDIATE;
INSERT INTO "gaingrid_migrate_backfill" (name, rows_done, status, refresh, started_at, updated_at)
  SELECT 'workout_log', 0, 'running', EXISTS (SELECT 1
  FROM "WorkoutLog"), CURRENT_TIMESTAMP, CURRENT_TIMESTAMP
  WHERE true
  ON CONFLICT (name) DO NOTHING;
INSERT INTO "WorkoutLog" ("id", "userId", "exerciseId", "date", "sets", "reps", "weight", "durationMinutes", "notes", "createdAt", "updatedAt")
  SELECT s."id" AS "id", w."userId" AS "userId", s."exerciseId" AS "exerciseId", w."date" AS "date", s."sets" AS "sets", s."reps" AS "reps", s."weight" AS "weight", s."time" AS "durationMinutes", s."notes" AS "notes", s."createdAt" AS "createdAt", s."updatedAt" AS "updatedAt"
  FROM "WorkoutExercise" AS s
  JOIN "Workout" AS w ON w."id" = s."workoutId"
  WHERE (TRUE) AND w."userId" IN (SELECT "id"
  FROM "User") AND s."exerciseId" IN (SELECT "id"
  FROM "Exercise")
  ON CONFLICT ("id") DO NOTHING;
INSERT INTO "gaingrid_migrate_quarantine" (backfill, source_key, reason, row, detected_at)
  SELECT 'workout_log', s."id", CASE WHEN w."id" IS NULL THEN 'no Workout ' || COALESCE(s."workoutId", 'NULL') WHEN NOT EXISTS (SELECT 1
  FROM "User" AS r
  WHERE r."id" = w."userId") THEN 'no User ' || COALESCE(w."userId", 'NULL') WHEN NOT EXISTS (SELECT 1
  FROM "Exercise" AS r
  WHERE r."id" = s."exerciseId") THEN 'no Exercise ' || COALESCE(s."exerciseId", 'NULL') END, json_object('createdAt', s."createdAt", 'exerciseId', s."exerciseId", 'id', s."id", 'notes', s."notes", 'reps', s."reps", 'sets', s."sets", 'time', s."time", 'updatedAt', s."updatedAt", 'weight', s."weight", 'workoutId', s."workoutId"), CURRENT_TIMESTAMP
  FROM "WorkoutExercise" AS s
  LEFT
  JOIN "Workout" AS w ON w."id" = s."workoutId"
  WHERE (TRUE) AND NOT EXISTS (SELECT 1
  FROM "WorkoutLog" AS t
  WHERE t."id" = s."id") AND (w."id" IS NULL OR NOT EXISTS (SELECT 1
  FROM "User" AS r
  WHERE r."id" = w."userId") OR NOT EXISTS (SELECT 1
  FROM "Exercise" AS r
  WHERE r."id" = s."exerciseId"))
  ON CONFLICT (backfill, source_key)
  DO UPDATE SET reason = excluded.reason, row = excluded.row;
DELETE
  FROM "gaingrid_migrate_quarantine"
  WHERE backfill = 'workout_log' AND (TRUE) AND EXISTS (SELECT 1
  FROM "WorkoutLog" AS t
  WHERE t."id" = "gaingrid_migrate_quarantine".source_key);
UPDATE "gaingrid_migrate_backfill" SET rows_done = (SELECT count(*)
  FROM "WorkoutExercise"), status = 'done', updated_at = CURRENT_TIMESTAMP, finished_at = CURRENT_TIMESTAMP
  WHERE name = 'workout_log';
COMMIT;

