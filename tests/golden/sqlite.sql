-- sync: the objects that keep WorkoutLog in step with WorkoutExercise
CREATE TRIGGER "gaingrid_migrate_workout_log_ins" AFTER INSERT ON "WorkoutExercise"
  BEGIN INSERT INTO "WorkoutLog" ("id", "userId", "exerciseId", "date", "sets", "reps", "weight", "durationMinutes", "notes", "createdAt", "updatedAt")
  SELECT s."id", w."userId", s."exerciseId", w."date", s."sets", s."reps", s."weight", s."time", s."notes", s."createdAt", s."updatedAt"
  FROM "WorkoutExercise" AS s CROSS
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
  FROM "WorkoutExercise" AS s CROSS
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
  FROM "WorkoutExercise" AS s CROSS
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
  FROM "WorkoutExercise" AS s CROSS
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
  FROM "WorkoutExercise" AS s CROSS
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
  FROM "WorkoutExercise" AS s CROSS
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
  FROM "WorkoutExercise" AS s CROSS
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
  FROM "WorkoutExercise" AS s CROSS
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
  FROM "WorkoutExercise" AS s CROSS
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
CREATE TABLE
  IF NOT EXISTS "gaingrid_migrate_workout_log_parents" (key TEXT PRIMARY KEY, made_for TEXT NOT NULL, vacated INTEGER NOT NULL DEFAULT 0);
CREATE TRIGGER "gaingrid_migrate_workout_log_rev_ins" AFTER INSERT ON "WorkoutLog" WHEN NOT EXISTS (SELECT 1
  FROM "WorkoutExercise" AS s
  WHERE s."id" = NEW."id")
  BEGIN INSERT INTO "gaingrid_migrate_workout_log_parents" (key, made_for)
  SELECT 'c' || lower(hex(randomblob(12))), NEW."id"
  WHERE NOT EXISTS (SELECT 1
  FROM "WorkoutExercise" AS s
  WHERE s."id" = NEW."id") AND NOT EXISTS (SELECT 1
  FROM "Workout" AS w
  WHERE w."userId" = NEW."userId" AND w."date" = NEW."date");
  INSERT INTO "Workout" ("id", "userId", "date", "createdAt", "updatedAt")
  SELECT p.key, NEW."userId", NEW."date", NEW."createdAt", NEW."updatedAt"
  FROM "gaingrid_migrate_workout_log_parents" AS p
  WHERE NOT EXISTS (SELECT 1
  FROM "WorkoutExercise" AS s
  WHERE s."id" = NEW."id") AND p.rowid = (SELECT max(rowid)
  FROM "gaingrid_migrate_workout_log_parents"
  WHERE made_for = NEW."id") AND NOT EXISTS (SELECT 1
  FROM "Workout" AS w
  WHERE w."id" = p.key) AND NOT EXISTS (SELECT 1
  FROM "Workout" AS w
  WHERE w."userId" = NEW."userId" AND w."date" = NEW."date");
  INSERT INTO "WorkoutExercise" ("id", "workoutId", "exerciseId", "sets", "reps", "weight", "time", "notes", "createdAt", "updatedAt")
  SELECT NEW."id", (SELECT w."id"
  FROM "Workout" AS w
  WHERE w."userId" = NEW."userId" AND w."date" = NEW."date" ORDER BY w."id" LIMIT 1), NEW."exerciseId", NEW."sets", NEW."reps", NEW."weight", NEW."durationMinutes", NEW."notes", NEW."createdAt", NEW."updatedAt"
  WHERE NOT EXISTS (SELECT 1
  FROM "WorkoutExercise" AS s
  WHERE s."id" = NEW."id");
  END;
CREATE TRIGGER "gaingrid_migrate_workout_log_rev_upd" AFTER UPDATE ON "WorkoutLog" WHEN NOT NOT EXISTS (SELECT 1
  FROM "WorkoutExercise" AS s
  WHERE s."id" = NEW."id")
  BEGIN UPDATE "gaingrid_migrate_workout_log_parents" SET vacated = 1
  WHERE (NEW."userId" IS NOT OLD."userId" OR NEW."date" IS NOT OLD."date") AND NOT EXISTS (SELECT 1
  FROM "WorkoutExercise" AS s
  JOIN "Workout" AS w ON w."id" = s."workoutId"
  WHERE s."id" = NEW."id" AND w."userId" = NEW."userId" AND w."date" = NEW."date") AND key = (SELECT s."workoutId"
  FROM "WorkoutExercise" AS s
  WHERE s."id" = NEW."id");
  INSERT INTO "gaingrid_migrate_workout_log_parents" (key, made_for)
  SELECT 'c' || lower(hex(randomblob(12))), NEW."id"
  WHERE (NEW."userId" IS NOT OLD."userId" OR NEW."date" IS NOT OLD."date") AND NOT EXISTS (SELECT 1
  FROM "WorkoutExercise" AS s
  JOIN "Workout" AS w ON w."id" = s."workoutId"
  WHERE s."id" = NEW."id" AND w."userId" = NEW."userId" AND w."date" = NEW."date") AND NOT EXISTS (SELECT 1
  FROM "Workout" AS w
  WHERE w."userId" = NEW."userId" AND w."date" = NEW."date");
  INSERT INTO "Workout" ("id", "userId", "date", "createdAt", "updatedAt")
  SELECT p.key, NEW."userId", NEW."date", NEW."createdAt", NEW."updatedAt"
  FROM "gaingrid_migrate_workout_log_parents" AS p
  WHERE (NEW."userId" IS NOT OLD."userId" OR NEW."date" IS NOT OLD."date") AND NOT EXISTS (SELECT 1
  FROM "WorkoutExercise" AS s
  JOIN "Workout" AS w ON w."id" = s."workoutId"
  WHERE s."id" = NEW."id" AND w."userId" = NEW."userId" AND w."date" = NEW."date") AND p.rowid = (SELECT max(rowid)
  FROM "gaingrid_migrate_workout_log_parents"
  WHERE made_for = NEW."id") AND NOT EXISTS (SELECT 1
  FROM "Workout" AS w
  WHERE w."id" = p.key) AND NOT EXISTS (SELECT 1
  FROM "Workout" AS w
  WHERE w."userId" = NEW."userId" AND w."date" = NEW."date");
  UPDATE "WorkoutExercise" SET "workoutId" = CASE WHEN (NEW."userId" IS NOT OLD."userId" OR NEW."date" IS NOT OLD."date") AND NOT EXISTS (SELECT 1
  FROM "WorkoutExercise" AS s
  JOIN "Workout" AS w ON w."id" = s."workoutId"
  WHERE s."id" = NEW."id" AND w."userId" = NEW."userId" AND w."date" = NEW."date") THEN (SELECT w."id"
  FROM "Workout" AS w
  WHERE w."userId" = NEW."userId" AND w."date" = NEW."date" ORDER BY w."id" LIMIT 1)
  ELSE "workoutId" END, "exerciseId" = CASE WHEN NEW."exerciseId" IS NOT OLD."exerciseId" THEN NEW."exerciseId"
  ELSE "exerciseId" END, "sets" = CASE WHEN NEW."sets" IS NOT OLD."sets" THEN NEW."sets"
  ELSE "sets" END, "reps" = CASE WHEN NEW."reps" IS NOT OLD."reps" THEN NEW."reps"
  ELSE "reps" END, "weight" = CASE WHEN NEW."weight" IS NOT OLD."weight" THEN NEW."weight"
  ELSE "weight" END, "time" = CASE WHEN NEW."durationMinutes" IS NOT OLD."durationMinutes" THEN NEW."durationMinutes"
  ELSE "time" END, "notes" = CASE WHEN NEW."notes" IS NOT OLD."notes" THEN NEW."notes"
  ELSE "notes" END, "createdAt" = CASE WHEN NEW."createdAt" IS NOT OLD."createdAt" THEN NEW."createdAt"
  ELSE "createdAt" END, "updatedAt" = CASE WHEN NEW."updatedAt" IS NOT OLD."updatedAt" THEN NEW."updatedAt"
  ELSE "updatedAt" END
  WHERE "id" = NEW."id" AND (((NEW."userId" IS NOT OLD."userId" OR NEW."date" IS NOT OLD."date") AND NOT EXISTS (SELECT 1
  FROM "WorkoutExercise" AS s
  JOIN "Workout" AS w ON w."id" = s."workoutId"
  WHERE s."id" = NEW."id" AND w."userId" = NEW."userId" AND w."date" = NEW."date")) OR (NEW."exerciseId" IS NOT OLD."exerciseId" AND "exerciseId" IS NOT NEW."exerciseId") OR (NEW."sets" IS NOT OLD."sets" AND "sets" IS NOT NEW."sets") OR (NEW."reps" IS NOT OLD."reps" AND "reps" IS NOT NEW."reps") OR (NEW."weight" IS NOT OLD."weight" AND "weight" IS NOT NEW."weight") OR (NEW."durationMinutes" IS NOT OLD."durationMinutes" AND "time" IS NOT NEW."durationMinutes") OR (NEW."notes" IS NOT OLD."notes" AND "notes" IS NOT NEW."notes") OR (NEW."createdAt" IS NOT OLD."createdAt" AND "createdAt" IS NOT NEW."createdAt") OR (NEW."updatedAt" IS NOT OLD."updatedAt" AND "updatedAt" IS NOT NEW."updatedAt"));
  DELETE
  FROM "Workout"
  WHERE "id" IN (SELECT key
  FROM "gaingrid_migrate_workout_log_parents"
  WHERE vacated = 1) AND NOT EXISTS (SELECT 1
  FROM "WorkoutExercise" AS s
  WHERE s."workoutId" = "Workout"."id");
  DELETE
  FROM "gaingrid_migrate_workout_log_parents"
  WHERE vacated = 1 AND NOT EXISTS (SELECT 1
  FROM "Workout" AS w
  WHERE w."id" = "gaingrid_migrate_workout_log_parents".key);
  UPDATE "gaingrid_migrate_workout_log_parents" SET vacated = 0
  WHERE vacated = 1;
  END;
CREATE TRIGGER "gaingrid_migrate_workout_log_rev_del" AFTER DELETE ON "WorkoutLog"
  BEGIN UPDATE "gaingrid_migrate_workout_log_parents" SET vacated = 1
  WHERE key = (SELECT s."workoutId"
  FROM "WorkoutExercise" AS s
  WHERE s."id" = OLD."id");
  DELETE
  FROM "WorkoutExercise"
  WHERE "id" = OLD."id";
  DELETE
  FROM "Workout"
  WHERE "id" IN (SELECT key
  FROM "gaingrid_migrate_workout_log_parents"
  WHERE vacated = 1) AND NOT EXISTS (SELECT 1
  FROM "WorkoutExercise" AS s
  WHERE s."workoutId" = "Workout"."id");
  DELETE
  FROM "gaingrid_migrate_workout_log_parents"
  WHERE vacated = 1 AND NOT EXISTS (SELECT 1
  FROM "Workout" AS w
  WHERE w."id" = "gaingrid_migrate_workout_log_parents".key);
  UPDATE "gaingrid_migrate_workout_log_parents" SET vacated = 0
  WHERE vacated = 1;
  END;

-- backfill: `up` runs these statements once per keyset range of 2,000 source rows, each range its own transaction; here for every row at once (the reverse sync's insert trigger is set aside for the batch's insert: each row it copies has its source)
BEGIN IMMEDIATE;
INSERT INTO "gaingrid_migrate_backfill" (name, rows_done, status, refresh, started_at, updated_at)
  SELECT 'workout_log', 0, 'running', FALSE, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP
  WHERE true
  ON CONFLICT (name) DO NOTHING;
DROP TRIGGER "gaingrid_migrate_workout_log_rev_ins";
INSERT INTO "WorkoutLog" ("id", "userId", "exerciseId", "date", "sets", "reps", "weight", "durationMinutes", "notes", "createdAt", "updatedAt")
  SELECT s."id" AS "id", w."userId" AS "userId", s."exerciseId" AS "exerciseId", w."date" AS "date", s."sets" AS "sets", s."reps" AS "reps", s."weight" AS "weight", s."time" AS "durationMinutes", s."notes" AS "notes", s."createdAt" AS "createdAt", s."updatedAt" AS "updatedAt"
  FROM "WorkoutExercise" AS s CROSS
  JOIN "Workout" AS w ON w."id" = s."workoutId"
  WHERE (TRUE) AND w."userId" IN (SELECT "id"
  FROM "User") AND s."exerciseId" IN (SELECT "id"
  FROM "Exercise")
  ON CONFLICT ("id") DO NOTHING;
CREATE TRIGGER "gaingrid_migrate_workout_log_rev_ins" AFTER INSERT ON "WorkoutLog" WHEN NOT EXISTS (SELECT 1
  FROM "WorkoutExercise" AS s
  WHERE s."id" = NEW."id")
  BEGIN INSERT INTO "gaingrid_migrate_workout_log_parents" (key, made_for)
  SELECT 'c' || lower(hex(randomblob(12))), NEW."id"
  WHERE NOT EXISTS (SELECT 1
  FROM "WorkoutExercise" AS s
  WHERE s."id" = NEW."id") AND NOT EXISTS (SELECT 1
  FROM "Workout" AS w
  WHERE w."userId" = NEW."userId" AND w."date" = NEW."date");
  INSERT INTO "Workout" ("id", "userId", "date", "createdAt", "updatedAt")
  SELECT p.key, NEW."userId", NEW."date", NEW."createdAt", NEW."updatedAt"
  FROM "gaingrid_migrate_workout_log_parents" AS p
  WHERE NOT EXISTS (SELECT 1
  FROM "WorkoutExercise" AS s
  WHERE s."id" = NEW."id") AND p.rowid = (SELECT max(rowid)
  FROM "gaingrid_migrate_workout_log_parents"
  WHERE made_for = NEW."id") AND NOT EXISTS (SELECT 1
  FROM "Workout" AS w
  WHERE w."id" = p.key) AND NOT EXISTS (SELECT 1
  FROM "Workout" AS w
  WHERE w."userId" = NEW."userId" AND w."date" = NEW."date");
  INSERT INTO "WorkoutExercise" ("id", "workoutId", "exerciseId", "sets", "reps", "weight", "time", "notes", "createdAt", "updatedAt")
  SELECT NEW."id", (SELECT w."id"
  FROM "Workout" AS w
  WHERE w."userId" = NEW."userId" AND w."date" = NEW."date" ORDER BY w."id" LIMIT 1), NEW."exerciseId", NEW."sets", NEW."reps", NEW."weight", NEW."durationMinutes", NEW."notes", NEW."createdAt", NEW."updatedAt"
  WHERE NOT EXISTS (SELECT 1
  FROM "WorkoutExercise" AS s
  WHERE s."id" = NEW."id");
  END;
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

