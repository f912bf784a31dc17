-- sync: the objects that keep WorkoutLog in step with WorkoutExercise
CREATE UNLOGGED TABLE
  IF NOT EXISTS "gaingrid_migrate"."workout_log_commits" (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY);
CREATE OR REPLACE FUNCTION "gaingrid_migrate"."workout_log_note"() RETURNS trigger LANGUAGE plpgsql AS $gg$ DECLARE gg_noted text[];
  BEGIN
  IF TG_OP IN ('INSERT', 'UPDATE') THEN gg_noted := ARRAY(SELECT r."id"::text
  FROM new_rows AS r);
  IF cardinality(gg_noted) > 0 THEN
  PERFORM set_config('gaingrid_migrate.workout_log_keys', (coalesce(nullif(current_setting('gaingrid_migrate.workout_log_keys', true), ''), '{}')::text[] || gg_noted)::text, true);
  IF current_setting('gaingrid_migrate.workout_log_armed', true) IS DISTINCT FROM 'on' THEN
  PERFORM set_config('gaingrid_migrate.workout_log_armed', 'on', true);
  INSERT INTO "gaingrid_migrate"."workout_log_commits" DEFAULT VALUES;
  END IF;
  END IF;
  gg_noted := ARRAY(SELECT DISTINCT r."workoutId"::text
  FROM new_rows AS r);
  IF cardinality(gg_noted) > 0 THEN
  PERFORM set_config('gaingrid_migrate.workout_log_w', (coalesce(nullif(current_setting('gaingrid_migrate.workout_log_w', true), ''), '{}')::text[] || gg_noted)::text, true);
  IF current_setting('gaingrid_migrate.workout_log_armed', true) IS DISTINCT FROM 'on' THEN
  PERFORM set_config('gaingrid_migrate.workout_log_armed', 'on', true);
  INSERT INTO "gaingrid_migrate"."workout_log_commits" DEFAULT VALUES;
  END IF;
  END IF;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN gg_noted := ARRAY(SELECT r."id"::text
  FROM old_rows AS r);
  IF cardinality(gg_noted) > 0 THEN
  PERFORM set_config('gaingrid_migrate.workout_log_keys', (coalesce(nullif(current_setting('gaingrid_migrate.workout_log_keys', true), ''), '{}')::text[] || gg_noted)::text, true);
  IF current_setting('gaingrid_migrate.workout_log_armed', true) IS DISTINCT FROM 'on' THEN
  PERFORM set_config('gaingrid_migrate.workout_log_armed', 'on', true);
  INSERT INTO "gaingrid_migrate"."workout_log_commits" DEFAULT VALUES;
  END IF;
  END IF;
  gg_noted := ARRAY(SELECT DISTINCT r."workoutId"::text
  FROM old_rows AS r);
  IF cardinality(gg_noted) > 0 THEN
  PERFORM set_config('gaingrid_migrate.workout_log_w', (coalesce(nullif(current_setting('gaingrid_migrate.workout_log_w', true), ''), '{}')::text[] || gg_noted)::text, true);
  IF current_setting('gaingrid_migrate.workout_log_armed', true) IS DISTINCT FROM 'on' THEN
  PERFORM set_config('gaingrid_migrate.workout_log_armed', 'on', true);
  INSERT INTO "gaingrid_migrate"."workout_log_commits" DEFAULT VALUES;
  END IF;
  END IF;
  END IF;
  RETURN NULL;
  END $gg$;
CREATE OR REPLACE FUNCTION "gaingrid_migrate"."workout_log_settle"() RETURNS trigger LANGUAGE plpgsql AS $gg$ DECLARE gg_keys text[] := nullif(current_setting('gaingrid_migrate.workout_log_keys', true), '')::text[];
  gg_w text[] := nullif(current_setting('gaingrid_migrate.workout_log_w', true), '')::text[];
  gg_class int;
  gg_lock int;
  gg_held text[];
  gg_present text[];
  BEGIN DELETE
  FROM "gaingrid_migrate"."workout_log_commits"
  WHERE id = NEW.id;
  PERFORM set_config('gaingrid_migrate.workout_log_keys', '', true);
  PERFORM set_config('gaingrid_migrate.workout_log_w', '', true);
  PERFORM set_config('gaingrid_migrate.workout_log_armed', '', true);
  IF gg_keys IS NULL AND gg_w IS NULL THEN
  RETURN NULL;
  END IF;
  FOR gg_class, gg_lock IN
  SELECT *
  FROM (SELECT 85355230, hashtext(x)
  FROM unnest(gg_w) AS x) AS l ORDER BY 1, 2 LOOP
  PERFORM pg_advisory_xact_lock(gg_class, gg_lock);
  END LOOP;
  gg_keys := ARRAY(SELECT DISTINCT k
  FROM (SELECT unnest(gg_keys) UNION ALL
  SELECT c."id"::text
  FROM "WorkoutExercise" AS c
  WHERE c."workoutId" = ANY(gg_w)) AS a(k)
  WHERE k IS NOT NULL ORDER BY 1);
  gg_present := ARRAY(SELECT t."id"::text
  FROM "WorkoutLog" AS t
  WHERE t."id" = ANY(gg_keys));
  gg_held := ARRAY(SELECT t."id"::text
  FROM "WorkoutLog" AS t
  WHERE t."id" = ANY(gg_keys) ORDER BY 1 FOR UPDATE SKIP LOCKED);
  gg_keys := ARRAY(SELECT k
  FROM unnest(gg_keys) AS k
  WHERE k = ANY(gg_held) OR NOT k = ANY(gg_present) ORDER BY 1);
  INSERT INTO "WorkoutLog" ("id", "userId", "exerciseId", "date", "sets", "reps", "weight", "durationMinutes", "notes", "createdAt", "updatedAt")
  SELECT s."id", w."userId", s."exerciseId", w."date", s."sets", s."reps", s."weight", s."time", s."notes", s."createdAt", s."updatedAt"
  FROM "WorkoutExercise" AS s
  JOIN "Workout" AS w ON w."id" = s."workoutId"
  WHERE (s."id" = ANY(gg_keys)) AND w."userId" IN (SELECT "id"
  FROM "User") AND s."exerciseId" IN (SELECT "id"
  FROM "Exercise") ORDER BY s."id"
  ON CONFLICT ("id")
  DO UPDATE SET "userId" = excluded."userId", "exerciseId" = excluded."exerciseId", "date" = excluded."date", "sets" = excluded."sets", "reps" = excluded."reps", "weight" = excluded."weight", "durationMinutes" = excluded."durationMinutes", "notes" = excluded."notes", "createdAt" = excluded."createdAt", "updatedAt" = excluded."updatedAt"
  WHERE "WorkoutLog"."userId" IS DISTINCT FROM excluded."userId" OR "WorkoutLog"."exerciseId" IS DISTINCT FROM excluded."exerciseId" OR "WorkoutLog"."date" IS DISTINCT FROM excluded."date" OR "WorkoutLog"."sets" IS DISTINCT FROM excluded."sets" OR "WorkoutLog"."reps" IS DISTINCT FROM excluded."reps" OR "WorkoutLog"."weight" IS DISTINCT FROM excluded."weight" OR "WorkoutLog"."durationMinutes" IS DISTINCT FROM excluded."durationMinutes" OR "WorkoutLog"."notes" IS DISTINCT FROM excluded."notes" OR "WorkoutLog"."createdAt" IS DISTINCT FROM excluded."createdAt" OR "WorkoutLog"."updatedAt" IS DISTINCT FROM excluded."updatedAt";
  DELETE
  FROM "WorkoutLog"
  WHERE "WorkoutLog"."id" = ANY(gg_keys) AND NOT EXISTS (SELECT 1
  FROM "WorkoutExercise" AS s
  JOIN "Workout" AS w ON w."id" = s."workoutId"
  WHERE s."id" = "WorkoutLog"."id" AND w."userId" IN (SELECT "id"
  FROM "User") AND s."exerciseId" IN (SELECT "id"
  FROM "Exercise"));
  INSERT INTO "gaingrid_migrate"."quarantine" (backfill, source_key, reason, row, detected_at)
  SELECT 'workout_log', s."id", CASE WHEN w."id" IS NULL THEN 'no Workout ' || COALESCE(s."workoutId", 'NULL') WHEN NOT EXISTS (SELECT 1
  FROM "User" AS r
  WHERE r."id" = w."userId") THEN 'no User ' || COALESCE(w."userId", 'NULL') WHEN NOT EXISTS (SELECT 1
  FROM "Exercise" AS r
  WHERE r."id" = s."exerciseId") THEN 'no Exercise ' || COALESCE(s."exerciseId", 'NULL') END, row_to_json(s)::text, CURRENT_TIMESTAMP
  FROM "WorkoutExercise" AS s
  LEFT
  JOIN "Workout" AS w ON w."id" = s."workoutId"
  WHERE (s."id" = ANY(gg_keys)) AND NOT EXISTS (SELECT 1
  FROM "WorkoutLog" AS t
  WHERE t."id" = s."id") AND (w."id" IS NULL OR NOT EXISTS (SELECT 1
  FROM "User" AS r
  WHERE r."id" = w."userId") OR NOT EXISTS (SELECT 1
  FROM "Exercise" AS r
  WHERE r."id" = s."exerciseId"))
  ON CONFLICT (backfill, source_key)
  DO UPDATE SET reason = excluded.reason, row = excluded.row;
  DELETE
  FROM "gaingrid_migrate"."quarantine"
  WHERE backfill = 'workout_log' AND ("quarantine".source_key = ANY(gg_keys)) AND EXISTS (SELECT 1
  FROM "WorkoutLog" AS t
  WHERE t."id" = "quarantine".source_key);
  DELETE
  FROM "gaingrid_migrate"."quarantine"
  WHERE backfill = 'workout_log' AND source_key = ANY(gg_keys) AND NOT EXISTS (SELECT 1
  FROM "WorkoutExercise" AS s
  WHERE s."id" = "quarantine".source_key);
  RETURN NULL;
  END $gg$;
CREATE CONSTRAINT TRIGGER "gaingrid_migrate_workout_log_settle" AFTER INSERT ON "gaingrid_migrate"."workout_log_commits" DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION "gaingrid_migrate"."workout_log_settle"();
CREATE OR REPLACE FUNCTION "gaingrid_migrate"."workout_log_note_w"() RETURNS trigger LANGUAGE plpgsql AS $gg$ DECLARE gg_noted text[];
  BEGIN
  IF TG_OP = 'UPDATE' THEN gg_noted := ARRAY(SELECT coalesce(n."id", o."id")::text
  FROM new_rows AS n FULL
  JOIN old_rows AS o ON o."id" = n."id"
  WHERE n."id" IS NULL OR o."id" IS NULL OR o."date" IS DISTINCT FROM n."date" OR o."userId" IS DISTINCT FROM n."userId");
  IF cardinality(gg_noted) > 0 THEN
  PERFORM set_config('gaingrid_migrate.workout_log_w', (coalesce(nullif(current_setting('gaingrid_migrate.workout_log_w', true), ''), '{}')::text[] || gg_noted)::text, true);
  IF current_setting('gaingrid_migrate.workout_log_armed', true) IS DISTINCT FROM 'on' THEN
  PERFORM set_config('gaingrid_migrate.workout_log_armed', 'on', true);
  INSERT INTO "gaingrid_migrate"."workout_log_commits" DEFAULT VALUES;
  END IF;
  END IF;
  ELSE gg_noted := ARRAY(SELECT o."id"::text
  FROM old_rows AS o);
  IF cardinality(gg_noted) > 0 THEN
  PERFORM set_config('gaingrid_migrate.workout_log_w', (coalesce(nullif(current_setting('gaingrid_migrate.workout_log_w', true), ''), '{}')::text[] || gg_noted)::text, true);
  IF current_setting('gaingrid_migrate.workout_log_armed', true) IS DISTINCT FROM 'on' THEN
  PERFORM set_config('gaingrid_migrate.workout_log_armed', 'on', true);
  INSERT INTO "gaingrid_migrate"."workout_log_commits" DEFAULT VALUES;
  END IF;
  END IF;
  END IF;
  RETURN NULL;
  END $gg$;
CREATE TRIGGER "gaingrid_migrate_workout_log_w_upd" AFTER UPDATE ON "Workout" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT WHEN (current_setting('gaingrid_migrate.workout_log_reverse_writes', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION "gaingrid_migrate"."workout_log_note_w"();
CREATE TRIGGER "gaingrid_migrate_workout_log_w_del" AFTER DELETE ON "Workout" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT WHEN (current_setting('gaingrid_migrate.workout_log_reverse_writes', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION "gaingrid_migrate"."workout_log_note_w"();
CREATE TRIGGER "gaingrid_migrate_workout_log_ins" AFTER INSERT ON "WorkoutExercise" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT WHEN (current_setting('gaingrid_migrate.workout_log_reverse_writes', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION "gaingrid_migrate"."workout_log_note"();
CREATE TRIGGER "gaingrid_migrate_workout_log_upd" AFTER UPDATE ON "WorkoutExercise" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT WHEN (current_setting('gaingrid_migrate.workout_log_reverse_writes', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION "gaingrid_migrate"."workout_log_note"();
CREATE TRIGGER "gaingrid_migrate_workout_log_del" AFTER DELETE ON "WorkoutExercise" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT WHEN (current_setting('gaingrid_migrate.workout_log_reverse_writes', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION "gaingrid_migrate"."workout_log_note"();
CREATE TABLE
  IF NOT EXISTS "gaingrid_migrate"."workout_log_parents" (key text PRIMARY KEY);
CREATE OR REPLACE FUNCTION "gaingrid_migrate"."workout_log_reverse"() RETURNS trigger LANGUAGE plpgsql AS $gg$ DECLARE gg_key text;
  gg_old text;
  gg_parent text;
  gg_w text;
  gg_noted text[];
  BEGIN
  PERFORM set_config('gaingrid_migrate.workout_log_reverse_writes', 'on', true);
  IF TG_OP = 'INSERT' THEN gg_key := NEW."id";
  SELECT w."id" INTO gg_parent
  FROM "Workout" AS w
  WHERE w."userId" = NEW."userId" AND w."date" = NEW."date" ORDER BY w."id" LIMIT 1;
  IF gg_parent IS NULL THEN gg_parent := 'c' || substr(md5(random()::text || clock_timestamp()::text), 1, 24);
  INSERT INTO "Workout" ("id", "userId", "date", "createdAt", "updatedAt") VALUES (gg_parent, NEW."userId", NEW."date", NEW."createdAt", NEW."updatedAt");
  INSERT INTO "gaingrid_migrate"."workout_log_parents" (key) VALUES (gg_parent);
  END IF;
  INSERT INTO "WorkoutExercise" ("id", "workoutId", "exerciseId", "sets", "reps", "weight", "time", "notes", "createdAt", "updatedAt") VALUES (NEW."id", gg_parent, NEW."exerciseId", NEW."sets", NEW."reps", NEW."weight", NEW."durationMinutes", NEW."notes", NEW."createdAt", NEW."updatedAt")
  ON CONFLICT ("id") DO NOTHING;
  ELSE gg_key := OLD."id";
  SELECT s."workoutId" INTO gg_old
  FROM "WorkoutExercise" AS s
  WHERE s."id" = OLD."id";
  IF TG_OP = 'DELETE' THEN DELETE
  FROM "WorkoutExercise"
  WHERE "id" = OLD."id";
  ELSIF gg_old IS NOT NULL THEN
  IF NOT (NEW."userId" IS DISTINCT FROM OLD."userId" OR NEW."date" IS DISTINCT FROM OLD."date") OR EXISTS (SELECT 1
  FROM "Workout" AS w
  WHERE w."id" = gg_old AND w."userId" = NEW."userId" AND w."date" = NEW."date") THEN gg_parent := gg_old;
  ELSE
  SELECT w."id" INTO gg_parent
  FROM "Workout" AS w
  WHERE w."userId" = NEW."userId" AND w."date" = NEW."date" ORDER BY w."id" LIMIT 1;
  IF gg_parent IS NULL THEN gg_parent := 'c' || substr(md5(random()::text || clock_timestamp()::text), 1, 24);
  INSERT INTO "Workout" ("id", "userId", "date", "createdAt", "updatedAt") VALUES (gg_parent, NEW."userId", NEW."date", NEW."createdAt", NEW."updatedAt");
  INSERT INTO "gaingrid_migrate"."workout_log_parents" (key) VALUES (gg_parent);
  END IF;
  END IF;
  UPDATE "WorkoutExercise" AS s SET "workoutId" = gg_parent, "exerciseId" = CASE WHEN NEW."exerciseId" IS DISTINCT FROM OLD."exerciseId" THEN NEW."exerciseId"
  ELSE s."exerciseId" END, "sets" = CASE WHEN NEW."sets" IS DISTINCT FROM OLD."sets" THEN NEW."sets"
  ELSE s."sets" END, "reps" = CASE WHEN NEW."reps" IS DISTINCT FROM OLD."reps" THEN NEW."reps"
  ELSE s."reps" END, "weight" = CASE WHEN NEW."weight" IS DISTINCT FROM OLD."weight" THEN NEW."weight"
  ELSE s."weight" END, "time" = CASE WHEN NEW."durationMinutes" IS DISTINCT FROM OLD."durationMinutes" THEN NEW."durationMinutes"
  ELSE s."time" END, "notes" = CASE WHEN NEW."notes" IS DISTINCT FROM OLD."notes" THEN NEW."notes"
  ELSE s."notes" END, "createdAt" = CASE WHEN NEW."createdAt" IS DISTINCT FROM OLD."createdAt" THEN NEW."createdAt"
  ELSE s."createdAt" END, "updatedAt" = CASE WHEN NEW."updatedAt" IS DISTINCT FROM OLD."updatedAt" THEN NEW."updatedAt"
  ELSE s."updatedAt" END
  WHERE s."id" = NEW."id" AND (s."workoutId" IS DISTINCT FROM gg_parent OR (NEW."exerciseId" IS DISTINCT FROM OLD."exerciseId" AND s."exerciseId" IS DISTINCT FROM NEW."exerciseId") OR (NEW."sets" IS DISTINCT FROM OLD."sets" AND s."sets" IS DISTINCT FROM NEW."sets") OR (NEW."reps" IS DISTINCT FROM OLD."reps" AND s."reps" IS DISTINCT FROM NEW."reps") OR (NEW."weight" IS DISTINCT FROM OLD."weight" AND s."weight" IS DISTINCT FROM NEW."weight") OR (NEW."durationMinutes" IS DISTINCT FROM OLD."durationMinutes" AND s."time" IS DISTINCT FROM NEW."durationMinutes") OR (NEW."notes" IS DISTINCT FROM OLD."notes" AND s."notes" IS DISTINCT FROM NEW."notes") OR (NEW."createdAt" IS DISTINCT FROM OLD."createdAt" AND s."createdAt" IS DISTINCT FROM NEW."createdAt") OR (NEW."updatedAt" IS DISTINCT FROM OLD."updatedAt" AND s."updatedAt" IS DISTINCT FROM NEW."updatedAt"));
  END IF;
  END IF;
  FOR gg_w IN
  SELECT DISTINCT x
  FROM unnest(ARRAY[gg_old, gg_parent]) AS x
  WHERE x IS NOT NULL LOOP
  IF EXISTS (SELECT 1
  FROM "gaingrid_migrate"."workout_log_parents"
  WHERE key = gg_w) THEN
  PERFORM 1
  FROM "Workout"
  WHERE "id" = gg_w FOR UPDATE SKIP LOCKED;
  IF FOUND AND NOT EXISTS (SELECT 1
  FROM "WorkoutExercise" AS s
  WHERE s."workoutId" = gg_w) THEN DELETE
  FROM "Workout"
  WHERE "id" = gg_w;
  DELETE
  FROM "gaingrid_migrate"."workout_log_parents"
  WHERE key = gg_w;
  END IF;
  END IF;
  END LOOP;
  PERFORM set_config('gaingrid_migrate.workout_log_reverse_writes', '', true);
  IF TG_OP <> 'INSERT' THEN gg_noted := ARRAY[gg_key];
  IF cardinality(gg_noted) > 0 THEN
  PERFORM set_config('gaingrid_migrate.workout_log_keys', (coalesce(nullif(current_setting('gaingrid_migrate.workout_log_keys', true), ''), '{}')::text[] || gg_noted)::text, true);
  IF current_setting('gaingrid_migrate.workout_log_armed', true) IS DISTINCT FROM 'on' THEN
  PERFORM set_config('gaingrid_migrate.workout_log_armed', 'on', true);
  INSERT INTO "gaingrid_migrate"."workout_log_commits" DEFAULT VALUES;
  END IF;
  END IF;
  END IF;
  RETURN NULL;
  END $gg$;
CREATE TRIGGER "gaingrid_migrate_workout_log_rev" AFTER INSERT OR UPDATE OR DELETE ON "WorkoutLog" FOR EACH ROW WHEN (pg_trigger_depth() < 1 AND current_setting('gaingrid_migrate.workout_log_engine_writes', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION "gaingrid_migrate"."workout_log_reverse"();

-- backfill: 2,000 source rows a batch, each batch its own transaction (`up` sends each batch's block on its own, pausing between batches as the throttle asks), then the rows a delete held when their batch ran, then the target's planner statistics
INSERT INTO "gaingrid_migrate"."backfill" (name, rows_done, status, refresh, started_at, updated_at)
  SELECT 'workout_log', 0, 'running', FALSE, (now() AT TIME ZONE 'utc'), (now() AT TIME ZONE 'utc')
  WHERE true
  ON CONFLICT (name) DO NOTHING;
DO $gg$
  BEGIN LOOP DECLARE lo text;
  hi text;
  done bigint;
  processed bigint;
  inserted bigint;
  again boolean;
  taken boolean;
  BEGIN
  SELECT last_key, rows_done, refresh INTO lo, done, again
  FROM "gaingrid_migrate"."backfill"
  WHERE name = 'workout_log';
  SET LOCAL lock_timeout = '2000ms';
  SET LOCAL statement_timeout = '300000ms';
  SET LOCAL jit = off;
  SET LOCAL enable_hashjoin = off;
  SET LOCAL enable_mergejoin = off;
  SET LOCAL max_parallel_workers_per_gather = 0;
  SET LOCAL work_mem = '16MB';
  SET LOCAL gaingrid_migrate.workout_log_engine_writes = 'on';
  EXECUTE $q$SELECT "id"
  FROM "WorkoutExercise"
  WHERE ("id" > $1 OR $1 IS NULL) ORDER BY "id" LIMIT 1 OFFSET $2$q$ INTO hi USING lo, 1999;
  IF hi IS NULL THEN EXECUTE $q$SELECT count(*)
  FROM "WorkoutExercise" AS s
  WHERE (s."id" > $1 OR $1 IS NULL) AND (s."id" <= $2 OR $2 IS NULL)$q$ INTO processed USING lo, hi;
  ELSE processed := 2000;
  END IF;
  IF again THEN EXECUTE $q$SELECT 1
  FROM "WorkoutLog" AS t
  WHERE (t."id" > $1 OR $1 IS NULL) AND (t."id" <= $2 OR $2 IS NULL) ORDER BY t."id" FOR UPDATE$q$ USING lo, hi;
  EXECUTE $q$UPDATE "WorkoutLog" SET "userId" = src."userId", "exerciseId" = src."exerciseId", "date" = src."date", "sets" = src."sets", "reps" = src."reps", "weight" = src."weight", "durationMinutes" = src."durationMinutes", "notes" = src."notes", "createdAt" = src."createdAt", "updatedAt" = src."updatedAt"
  FROM (SELECT s."id" AS "id", w."userId" AS "userId", s."exerciseId" AS "exerciseId", w."date" AS "date", s."sets" AS "sets", s."reps" AS "reps", s."weight" AS "weight", s."time" AS "durationMinutes", s."notes" AS "notes", s."createdAt" AS "createdAt", s."updatedAt" AS "updatedAt"
  FROM "WorkoutExercise" AS s
  JOIN "Workout" AS w ON w."id" = s."workoutId"
  WHERE ((s."id" > $1 OR $1 IS NULL) AND (s."id" <= $2 OR $2 IS NULL)) AND w."userId" IN (SELECT "id"
  FROM "User") AND s."exerciseId" IN (SELECT "id"
  FROM "Exercise")) AS src
  WHERE "WorkoutLog"."id" = src."id" AND ("WorkoutLog"."userId" IS DISTINCT FROM src."userId" OR "WorkoutLog"."exerciseId" IS DISTINCT FROM src."exerciseId" OR "WorkoutLog"."date" IS DISTINCT FROM src."date" OR "WorkoutLog"."sets" IS DISTINCT FROM src."sets" OR "WorkoutLog"."reps" IS DISTINCT FROM src."reps" OR "WorkoutLog"."weight" IS DISTINCT FROM src."weight" OR "WorkoutLog"."durationMinutes" IS DISTINCT FROM src."durationMinutes" OR "WorkoutLog"."notes" IS DISTINCT FROM src."notes" OR "WorkoutLog"."createdAt" IS DISTINCT FROM src."createdAt" OR "WorkoutLog"."updatedAt" IS DISTINCT FROM src."updatedAt")$q$ USING lo, hi;
  END IF;
  EXECUTE $q$SELECT EXISTS (SELECT 1
  FROM "WorkoutLog" AS t
  WHERE (t."id" > $1 OR $1 IS NULL) AND (t."id" <= $2 OR $2 IS NULL))$q$ INTO taken USING lo, hi;
  IF taken THEN EXECUTE $q$INSERT INTO "WorkoutLog" ("id", "userId", "exerciseId", "date", "sets", "reps", "weight", "durationMinutes", "notes", "createdAt", "updatedAt")
  SELECT s."id" AS "id", w."userId" AS "userId", s."exerciseId" AS "exerciseId", w."date" AS "date", s."sets" AS "sets", s."reps" AS "reps", s."weight" AS "weight", s."time" AS "durationMinutes", s."notes" AS "notes", s."createdAt" AS "createdAt", s."updatedAt" AS "updatedAt"
  FROM "WorkoutExercise" AS s
  JOIN "Workout" AS w ON w."id" = s."workoutId"
  WHERE ((s."id" > $1 OR $1 IS NULL) AND (s."id" <= $2 OR $2 IS NULL)) AND w."userId" IN (SELECT "id"
  FROM "User") AND s."exerciseId" IN (SELECT "id"
  FROM "Exercise") ORDER BY s."id" FOR KEY SHARE OF s SKIP LOCKED
  ON CONFLICT ("id") DO NOTHING$q$ USING lo, hi;
  GET DIAGNOSTICS inserted = ROW_COUNT;
  ELSE
  BEGIN EXECUTE $q$INSERT INTO "WorkoutLog" ("id", "userId", "exerciseId", "date", "sets", "reps", "weight", "durationMinutes", "notes", "createdAt", "updatedAt")
  SELECT s."id" AS "id", w."userId" AS "userId", s."exerciseId" AS "exerciseId", w."date" AS "date", s."sets" AS "sets", s."reps" AS "reps", s."weight" AS "weight", s."time" AS "durationMinutes", s."notes" AS "notes", s."createdAt" AS "createdAt", s."updatedAt" AS "updatedAt"
  FROM "WorkoutExercise" AS s
  JOIN "Workout" AS w ON w."id" = s."workoutId"
  WHERE ((s."id" > $1 OR $1 IS NULL) AND (s."id" <= $2 OR $2 IS NULL)) AND w."userId" IN (SELECT "id"
  FROM "User") AND s."exerciseId" IN (SELECT "id"
  FROM "Exercise") ORDER BY s."id" FOR KEY SHARE OF s SKIP LOCKED$q$ USING lo, hi;
  GET DIAGNOSTICS inserted = ROW_COUNT;
  EXCEPTION WHEN unique_violation THEN EXECUTE $q$INSERT INTO "WorkoutLog" ("id", "userId", "exerciseId", "date", "sets", "reps", "weight", "durationMinutes", "notes", "createdAt", "updatedAt")
  SELECT s."id" AS "id", w."userId" AS "userId", s."exerciseId" AS "exerciseId", w."date" AS "date", s."sets" AS "sets", s."reps" AS "reps", s."weight" AS "weight", s."time" AS "durationMinutes", s."notes" AS "notes", s."createdAt" AS "createdAt", s."updatedAt" AS "updatedAt"
  FROM "WorkoutExercise" AS s
  JOIN "Workout" AS w ON w."id" = s."workoutId"
  WHERE ((s."id" > $1 OR $1 IS NULL) AND (s."id" <= $2 OR $2 IS NULL)) AND w."userId" IN (SELECT "id"
  FROM "User") AND s."exerciseId" IN (SELECT "id"
  FROM "Exercise") ORDER BY s."id" FOR KEY SHARE OF s SKIP LOCKED
  ON CONFLICT ("id") DO NOTHING$q$ USING lo, hi;
  GET DIAGNOSTICS inserted = ROW_COUNT;
  END;
  END IF;
  IF again OR inserted <> processed THEN EXECUTE $q$INSERT INTO "gaingrid_migrate"."quarantine" (backfill, source_key, reason, row, detected_at)
  SELECT 'workout_log', s."id", CASE WHEN w."id" IS NULL THEN 'no Workout ' || COALESCE(s."workoutId", 'NULL') WHEN NOT EXISTS (SELECT 1
  FROM "User" AS r
  WHERE r."id" = w."userId") THEN 'no User ' || COALESCE(w."userId", 'NULL') WHEN NOT EXISTS (SELECT 1
  FROM "Exercise" AS r
  WHERE r."id" = s."exerciseId") THEN 'no Exercise ' || COALESCE(s."exerciseId", 'NULL') END, row_to_json(s)::text, CURRENT_TIMESTAMP
  FROM "WorkoutExercise" AS s
  LEFT
  JOIN "Workout" AS w ON w."id" = s."workoutId"
  WHERE ((s."id" > $1 OR $1 IS NULL) AND (s."id" <= $2 OR $2 IS NULL)) AND NOT EXISTS (SELECT 1
  FROM "WorkoutLog" AS t
  WHERE t."id" = s."id") AND (w."id" IS NULL OR NOT EXISTS (SELECT 1
  FROM "User" AS r
  WHERE r."id" = w."userId") OR NOT EXISTS (SELECT 1
  FROM "Exercise" AS r
  WHERE r."id" = s."exerciseId"))
  ON CONFLICT (backfill, source_key)
  DO UPDATE SET reason = excluded.reason, row = excluded.row$q$ USING lo, hi;
  EXECUTE $q$INSERT INTO "gaingrid_migrate"."pending" (backfill, source_key)
  SELECT 'workout_log', s."id"
  FROM "WorkoutExercise" AS s
  WHERE ((s."id" > $1 OR $1 IS NULL) AND (s."id" <= $2 OR $2 IS NULL)) AND NOT EXISTS (SELECT 1
  FROM "WorkoutLog" AS t
  WHERE t."id" = s."id") AND NOT EXISTS (SELECT 1
  FROM "gaingrid_migrate"."quarantine" AS qq
  WHERE qq.backfill = 'workout_log' AND qq.source_key = s."id")
  ON CONFLICT DO NOTHING$q$ USING lo, hi;
  END IF;
  EXECUTE $q$DELETE
  FROM "gaingrid_migrate"."quarantine"
  WHERE backfill = 'workout_log' AND (("quarantine".source_key > $1 OR $1 IS NULL) AND ("quarantine".source_key <= $2 OR $2 IS NULL)) AND EXISTS (SELECT 1
  FROM "WorkoutLog" AS t
  WHERE t."id" = "quarantine".source_key)$q$ USING lo, hi;
  UPDATE "gaingrid_migrate"."backfill" SET last_key = coalesce(hi, lo), rows_done = done + processed, updated_at = (now() AT TIME ZONE 'utc'), status = CASE WHEN hi IS NULL THEN 'done'
  ELSE 'running' END, finished_at = CASE WHEN hi IS NULL THEN (now() AT TIME ZONE 'utc') END
  WHERE name = 'workout_log';
  END;
  COMMIT;
  EXIT WHEN (SELECT status
  FROM "gaingrid_migrate"."backfill"
  WHERE name = 'workout_log') = 'done';
  END LOOP;
  END $gg$;
DO $gg$
  BEGIN FOR attempt IN 1..60 LOOP
  BEGIN SET LOCAL lock_timeout = '2000ms';
  SET LOCAL statement_timeout = '300000ms';
  SET LOCAL jit = off;
  SET LOCAL enable_hashjoin = off;
  SET LOCAL enable_mergejoin = off;
  SET LOCAL max_parallel_workers_per_gather = 0;
  SET LOCAL work_mem = '16MB';
  SET LOCAL gaingrid_migrate.workout_log_engine_writes = 'on';
  INSERT INTO "WorkoutLog" ("id", "userId", "exerciseId", "date", "sets", "reps", "weight", "durationMinutes", "notes", "createdAt", "updatedAt")
  SELECT s."id" AS "id", w."userId" AS "userId", s."exerciseId" AS "exerciseId", w."date" AS "date", s."sets" AS "sets", s."reps" AS "reps", s."weight" AS "weight", s."time" AS "durationMinutes", s."notes" AS "notes", s."createdAt" AS "createdAt", s."updatedAt" AS "updatedAt"
  FROM "WorkoutExercise" AS s
  JOIN "Workout" AS w ON w."id" = s."workoutId"
  WHERE (s."id" IN (SELECT source_key
  FROM "gaingrid_migrate"."pending"
  WHERE backfill = 'workout_log')) AND w."userId" IN (SELECT "id"
  FROM "User") AND s."exerciseId" IN (SELECT "id"
  FROM "Exercise") ORDER BY s."id" FOR KEY SHARE OF s SKIP LOCKED
  ON CONFLICT ("id") DO NOTHING;
  INSERT INTO "gaingrid_migrate"."quarantine" (backfill, source_key, reason, row, detected_at)
  SELECT 'workout_log', s."id", CASE WHEN w."id" IS NULL THEN 'no Workout ' || COALESCE(s."workoutId", 'NULL') WHEN NOT EXISTS (SELECT 1
  FROM "User" AS r
  WHERE r."id" = w."userId") THEN 'no User ' || COALESCE(w."userId", 'NULL') WHEN NOT EXISTS (SELECT 1
  FROM "Exercise" AS r
  WHERE r."id" = s."exerciseId") THEN 'no Exercise ' || COALESCE(s."exerciseId", 'NULL') END, row_to_json(s)::text, CURRENT_TIMESTAMP
  FROM "WorkoutExercise" AS s
  LEFT
  JOIN "Workout" AS w ON w."id" = s."workoutId"
  WHERE (s."id" IN (SELECT source_key
  FROM "gaingrid_migrate"."pending"
  WHERE backfill = 'workout_log')) AND NOT EXISTS (SELECT 1
  FROM "WorkoutLog" AS t
  WHERE t."id" = s."id") AND (w."id" IS NULL OR NOT EXISTS (SELECT 1
  FROM "User" AS r
  WHERE r."id" = w."userId") OR NOT EXISTS (SELECT 1
  FROM "Exercise" AS r
  WHERE r."id" = s."exerciseId"))
  ON CONFLICT (backfill, source_key)
  DO UPDATE SET reason = excluded.reason, row = excluded.row;
  DELETE
  FROM "gaingrid_migrate"."pending" AS p
  WHERE p.backfill = 'workout_log' AND (EXISTS (SELECT 1
  FROM "WorkoutLog" AS t
  WHERE t."id" = p.source_key) OR EXISTS (SELECT 1
  FROM "gaingrid_migrate"."quarantine" AS qq
  WHERE qq.backfill = p.backfill AND qq.source_key = p.source_key) OR NOT EXISTS (SELECT 1
  FROM "WorkoutExercise" AS s
  WHERE s."id" = p.source_key));
  END;
  COMMIT;
  EXIT WHEN NOT EXISTS (SELECT 1
  FROM "gaingrid_migrate"."pending"
  WHERE backfill = 'workout_log');
  PERFORM pg_sleep(1);
  END LOOP;
  IF EXISTS (SELECT 1
  FROM "gaingrid_migrate"."pending"
  WHERE backfill = 'workout_log') THEN RAISE EXCEPTION 'backfill workout_log: rows are still held by other sessions; end them, then run gaingrid migrate up';
  END IF;
  END $gg$;
ANALYZE (SKIP_LOCKED) "WorkoutLog";

-- phase 4: deferred foreign keys
ALTER TABLE "Exercise" VALIDATE CONSTRAINT "Exercise_trainingPlanId_fkey";

-- phase 5: deferred foreign keys
ALTER TABLE "WorkoutLog" ADD CONSTRAINT "WorkoutLog_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE RESTRICT ON UPDATE CASCADE NOT VALID;
ALTER TABLE "WorkoutLog" VALIDATE CONSTRAINT "WorkoutLog_userId_fkey";
ALTER TABLE "WorkoutLog" ADD CONSTRAINT "WorkoutLog_exerciseId_fkey" FOREIGN KEY ("exerciseId") REFERENCES "Exercise" ("id") ON DELETE RESTRICT ON UPDATE CASCADE NOT VALID;
ALTER TABLE "WorkoutLog" VALIDATE CONSTRAINT "WorkoutLog_exerciseId_fkey";

