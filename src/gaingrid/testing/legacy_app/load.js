// The legacy GainGrid app as a load: the real Prisma 6.19.3 client, generated
// from legacy.prisma, writing the way the old app does.
//
// Environment: DATABASE_URL (postgresql://...), WORKERS (8), THINK_MS (20),
// SEED (1), OUT (a file for one JSON line per operation), DURATION_S (run this
// long; without it, run until SIGTERM or SIGINT).
//
// Each worker loops over the app's transaction shapes, on random rows:
//   create    a nested workout.create with three exercises (one transaction)
//   exercise  workoutExercise.update of one row by id
//   move      workout.update of one workout's date
//   delete    workout.delete (WorkoutExercise rows go by cascade)
//   edit      an interactive transaction: update one exercise, then its workout's date
//             (the order that deadlocked against the first sync triggers)
//   read      a workout with its exercises
// and writes {t, ms, op, err, msg} per operation, t in ms since the epoch.
const fs = require('fs')
const { PrismaClient } = require('@prisma/client')
const { PrismaPg } = require('@prisma/adapter-pg')

const workers = Number(process.env.WORKERS || 8)
const thinkMs = Number(process.env.THINK_MS || 20)
let seed = Number(process.env.SEED || 1)
const url = new URL(process.env.DATABASE_URL)
url.searchParams.set('application_name', 'gaingrid-legacy-app')
const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: url.toString(), max: workers + 2 }) })
const out = fs.createWriteStream(process.env.OUT)

function random() { // mulberry32: a seeded run is the same run
  seed |= 0; seed = (seed + 0x6D2B79F5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}
const pick = (xs) => xs[Math.floor(random() * xs.length)]
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

function classify(e) {
  const msg = String((e && e.message) || e)
  const last = msg.trim().split('\n').filter(Boolean).pop() || msg
  if (e.code === 'P2025' || /No record was found|Record to (update|delete) (not found|does not exist)/.test(msg)) {
    return ['race: row deleted by another worker', last]
  }
  if (e.code === 'P2021' || /does not exist in the current database/.test(msg)) {
    return ['retired: the legacy table is gone (phase 7)', last]
  }
  if (/deadlock detected/.test(msg) || e.code === 'P2034') return ['deadlock', last]
  if (/lock timeout|canceling statement due to/.test(msg)) return ['lock timeout', last]
  if (/could not serialize/.test(msg)) return ['serialization failure', last]
  if (e.code === 'P2028' || /Transaction already closed|expired transaction/i.test(msg)) return ['transaction timeout', last]
  return ['other', last]
}

const pool = { workouts: new Map(), users: [], exercises: [] } // workout id -> [its exercise ids]

async function loadPool() {
  const sample = await prisma.$queryRawUnsafe(
    'SELECT w.id, array_remove(array_agg(s.id), NULL) AS exercises FROM ((SELECT id FROM "Workout" ORDER BY random() LIMIT 4000) ' +
    // and the demo accounts' workouts, which the new app's load writes too
    'UNION SELECT w.id FROM "Workout" w JOIN "User" u ON u.id = w."userId" ' +
    "WHERE u.email IN ('demo1@example.com', 'demo2@example.com', 'demo3@example.com')) w " +
    'LEFT JOIN "WorkoutExercise" s ON s."workoutId" = w.id GROUP BY w.id')
  for (const row of sample) pool.workouts.set(row.id, row.exercises)
  pool.users = (await prisma.$queryRawUnsafe('SELECT id FROM "User" ORDER BY random() LIMIT 500')).map((r) => r.id)
  pool.exercises = (await prisma.$queryRawUnsafe('SELECT id FROM "Exercise" ORDER BY random() LIMIT 200')).map((r) => r.id)
}

function someWorkout() {
  const ids = [...pool.workouts.keys()]
  return ids.length ? pick(ids) : null
}

function someExercise() {
  for (let i = 0; i < 10; i++) {
    const w = someWorkout()
    const list = w && pool.workouts.get(w)
    if (list && list.length) return [w, pick(list)]
  }
  return [null, null]
}

const when = () => new Date(Date.UTC(2025, Math.floor(random() * 12), 1 + Math.floor(random() * 28), 6 + Math.floor(random() * 14)))

const shapes = {
  async create() {
    const w = await prisma.workout.create({
      data: {
        userId: pick(pool.users), name: 'Load test', date: when(),
        exercises: { create: [0, 1, 2].map(() => ({ exerciseId: pick(pool.exercises), sets: 3, reps: 5 + Math.floor(random() * 6), weight: 20 + Math.floor(random() * 100) })) },
      },
      include: { exercises: true },
    })
    pool.workouts.set(w.id, w.exercises.map((e) => e.id))
  },
  async exercise() {
    const [, id] = someExercise()
    if (!id) return
    await prisma.workoutExercise.update({ where: { id }, data: { reps: 1 + Math.floor(random() * 12), weight: 10 + Math.floor(random() * 150) } })
  },
  async move() {
    const id = someWorkout()
    if (!id) return
    await prisma.workout.update({ where: { id }, data: { date: when() } })
  },
  async delete() {
    const id = someWorkout()
    if (!id) return
    pool.workouts.delete(id)
    await prisma.workout.delete({ where: { id } })
  },
  async edit() {
    const [w, id] = someExercise()
    if (!id) return
    await prisma.$transaction(async (tx) => {
      await tx.workoutExercise.update({ where: { id }, data: { sets: 1 + Math.floor(random() * 6) } })
      await tx.workout.update({ where: { id: w }, data: { date: when() } })
    })
  },
  async read() {
    const id = someWorkout()
    if (!id) return
    await prisma.workout.findUnique({ where: { id }, include: { exercises: true } })
  },
}
const mix = [['create', 15], ['exercise', 25], ['move', 15], ['delete', 5], ['edit', 10], ['read', 30]]
const total = mix.reduce((n, [, w]) => n + w, 0)
function nextShape() {
  let r = random() * total
  for (const [name, w] of mix) { if ((r -= w) < 0) return name }
  return 'read'
}

let stopping = false
process.on('SIGTERM', () => { stopping = true })
process.on('SIGINT', () => { stopping = true })

async function worker() {
  while (!stopping) {
    const op = nextShape()
    const t = Date.now()
    const started = process.hrtime.bigint()
    let err = null, msg = null
    try {
      await shapes[op]()
    } catch (e) {
      [err, msg] = classify(e)
    }
    const ms = Number(process.hrtime.bigint() - started) / 1e6
    out.write(JSON.stringify({ t, ms, op, err, msg }) + '\n')
    await sleep(thinkMs * (0.5 + random()))
  }
}

async function main() {
  await loadPool()
  process.stdout.write('ready\n')
  if (process.env.DURATION_S) setTimeout(() => { stopping = true }, Number(process.env.DURATION_S) * 1000)
  await Promise.all(Array.from({ length: workers }, worker))
  await new Promise((r) => out.end(r))
  await prisma.$disconnect()
}

main().catch((e) => { console.error(e); process.exit(1) })
