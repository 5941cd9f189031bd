#!/usr/bin/env bash
# tools/ci/setup-postgres.sh — bring up a real PostgreSQL with pgvector for CI
# and for developers, on a Debian machine where we are root.
#
# What it does (idempotent; safe to run again and again):
#   1. installs the PostgreSQL server with apt if absent, detects its major
#      version, creates the cluster if none exists, and starts it;
#   2. makes sure pgvector is installed for that version: the Debian binary
#      package postgresql-<ver>-pgvector if the release has one, otherwise it is
#      built from Debian's own `pgvector` source package (fetched from a
#      private deb-src list for a newer suite, so the binary packages this
#      machine installs are not affected);
#   3. creates a test role and database (owned by that role), runs
#      CREATE EXTENSION vector in it as superuser, and checks over TCP, with
#      password auth, as the test role, that vectors and HNSW indexes work;
#   4. prints exactly one line on stdout, last:
#        TEST_DATABASE_URL=postgres://<user>:<password>@127.0.0.1:<port>/<db>
#      Everything else goes to stderr.
#
# Usage in CI (keeps a failure of this script fatal under `set -e`):
#   line="$(tools/ci/setup-postgres.sh)"   # or: ... | tail -n 1
#   export "$line"                         # or: eval "$line"; export TEST_DATABASE_URL
#
# Tunables (environment):
#   LGM_DB_USER (lgm)  LGM_DB_PASSWORD (lgm)  LGM_DB_NAME (lgm_test)
#   PG_VERSION         force a PostgreSQL major version (default: highest installed)
#   PGVECTOR_SRC_SUITE Debian suite to take the pgvector source from (trixie)
#   SETUP_PG_VERBOSE=1 show the full log of apt/build commands on stderr
#   LGM_DB_RESET=1     drop the test database first (CI: a clean database every run)
set -Eeuo pipefail

# --- output plumbing: fd 3 is the real stdout, everything else -> stderr -----
exec 3>&1 1>&2

DB_USER="${LGM_DB_USER:-lgm}"
DB_PASSWORD="${LGM_DB_PASSWORD:-lgm}"
DB_NAME="${LGM_DB_NAME:-lgm_test}"
SRC_SUITE="${PGVECTOR_SRC_SUITE:-trixie}"
PRIVATE_SRC_LIST="/etc/apt/lgm-pgvector-src.list"   # NOT in sources.list.d: private
export DEBIAN_FRONTEND=noninteractive

LOG="$(mktemp -t setup-postgres.XXXXXX.log)"
WORKDIR=""
cleanup() {
  [[ -n "$WORKDIR" && -d "$WORKDIR" ]] && rm -rf "$WORKDIR"
  rm -f "$LOG" "$LOG.died"
}
trap cleanup EXIT

log() { printf 'setup-postgres: %s\n' "$*" >&2; }
die() {
  # report once, even when triggered in a subshell and again in its parent
  if [[ -e "$LOG.died" ]]; then exit 1; fi
  : >"$LOG.died" 2>/dev/null || true
  printf '\nsetup-postgres: ERROR: %s\n' "$*" >&2
  if [[ -s "$LOG" ]]; then
    printf 'setup-postgres: last lines of the command log:\n' >&2
    tail -n 60 "$LOG" | sed 's/^/  | /' >&2
  fi
  exit 1
}
trap 'die "command failed (line $LINENO, exit $?): $BASH_COMMAND"' ERR

# run CMD...: quietly, output captured in $LOG (shown only on failure).
# fds 3 (our stdout) and 9 (the lock) are closed for CMD: a server started by it
# (e.g. a postinst starting PostgreSQL) must not hold them open.
run() {
  printf '+ %s\n' "$*" >>"$LOG"
  if [[ "${SETUP_PG_VERBOSE:-0}" == 1 ]]; then
    "$@" 3>&- 9>&- 2>&1 | tee -a "$LOG" >&2 || die "failed: $*"
  else
    "$@" 3>&- 9>&- >>"$LOG" 2>&1 || die "failed: $*"
  fi
}

[[ "$(id -u)" == 0 ]] || die "must run as root (it uses apt-get and pg_ctlcluster)"
command -v apt-get >/dev/null || die "apt-get not found: this script supports Debian/Ubuntu only"

# One run at a time (two CI steps or a developer racing CI).
LOCKFILE=/run/lock/lgm-setup-postgres.lock
[[ -d /run/lock && -w /run/lock ]] || LOCKFILE=/tmp/lgm-setup-postgres.lock
exec 9>"$LOCKFILE"
flock -w 600 9 || die "another setup-postgres.sh run holds the lock for >10 min"

APT_UPDATED=0
apt_update_once() {
  if [[ "$APT_UPDATED" == 0 ]]; then
    log "apt-get update"
    run apt-get update -q
    APT_UPDATED=1
  fi
}
apt_install() {
  apt_update_once
  log "apt-get install $*"
  run apt-get install -y -q --no-install-recommends "$@"
}
have_candidate() {  # is there an installable candidate for this binary package?
  local cand
  cand="$(apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ {print $2}')"
  [[ -n "$cand" && "$cand" != "(none)" ]]
}

# --- 1. server, version, cluster ---------------------------------------------
installed_versions() {
  local d
  for d in /usr/lib/postgresql/*/bin/postgres; do
    if [[ -x "$d" ]]; then basename "$(dirname "$(dirname "$d")")"; fi
  done | sort -n
}

if [[ -z "$(installed_versions)" ]]; then
  log "no PostgreSQL server installed; installing 'postgresql'"
  apt_install postgresql
fi
if [[ -n "${PG_VERSION:-}" ]]; then
  PGV="$PG_VERSION"
  [[ -x "/usr/lib/postgresql/$PGV/bin/postgres" ]] || apt_install "postgresql-$PGV"
else
  PGV="$(installed_versions | tail -n 1)"
fi
[[ -n "$PGV" && -x "/usr/lib/postgresql/$PGV/bin/postgres" ]] \
  || die "could not find a PostgreSQL server binary under /usr/lib/postgresql"
command -v pg_lsclusters >/dev/null || apt_install postgresql-common
log "PostgreSQL major version: $PGV"

start_detached() {
  (
    for fdpath in /proc/self/fd/*; do
      fd="${fdpath##*/}"
      if [[ "$fd" =~ ^[0-9]+$ ]] && (( fd > 2 )); then eval "exec $fd>&-" 2>/dev/null || true; fi
    done
    exec "$@" </dev/null
  )
}
cluster_line() { pg_lsclusters -h 2>/dev/null | awk -v v="$PGV" '$1 == v' | head -n 1; }
if [[ -z "$(cluster_line)" ]]; then
  log "no cluster for $PGV; creating $PGV/main"
  run pg_createcluster "$PGV" main
fi
read -r _ CLUSTER PORT STATUS _ < <(cluster_line)
[[ -n "${PORT:-}" ]] || die "could not read the cluster port from pg_lsclusters"
if [[ "$STATUS" != online* ]]; then
  log "starting cluster $PGV/$CLUSTER on port $PORT"
  # The postmaster outlives us: start it with no file descriptors but 0-2, or it
  # would keep our stdout (fd 3: a `$(...)` in CI would never see EOF), the
  # lock (fd 9) and any pipe inherited from the caller open for its lifetime.
  run start_detached pg_ctlcluster "$PGV" "$CLUSTER" start
fi
for _ in $(seq 1 60); do
  pg_isready -q -h 127.0.0.1 -p "$PORT" && break
  sleep 0.5
done
pg_isready -q -h 127.0.0.1 -p "$PORT" \
  || die "cluster $PGV/$CLUSTER is not accepting TCP connections on 127.0.0.1:$PORT (see /var/log/postgresql/postgresql-$PGV-$CLUSTER.log)"
log "cluster $PGV/$CLUSTER is up on port $PORT"

# --- 2. pgvector ----------------------------------------------------------------
PG_CONFIG="/usr/lib/postgresql/$PGV/bin/pg_config"
SHAREDIR="/usr/share/postgresql/$PGV"
[[ -x "$PG_CONFIG" ]] && SHAREDIR="$("$PG_CONFIG" --sharedir)"
CONTROL="$SHAREDIR/extension/vector.control"

# The Debian mirror this machine already uses (same host, so same reachability).
debian_mirror() {
  local uri
  local f lists=() deb822=()
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    if [[ -f "$f" ]]; then lists+=("$f"); fi
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    if [[ -f "$f" ]]; then deb822+=("$f"); fi
  done
  uri="$(
    if (( ${#lists[@]} )); then
      awk '$1 ~ /^deb(-src)?$/ { for (i = 2; i <= NF; i++) if ($i !~ /^\[/ && $i !~ /\]$/ && $i ~ /:\/\//) { print $i; break } }' "${lists[@]}"
    fi
    if (( ${#deb822[@]} )); then
      awk 'tolower($1) == "uris:" { for (i = 2; i <= NF; i++) print $i }' "${deb822[@]}"
    fi
  )"
  uri="$(grep -E '^https?://[^ ]+/debian/?$' <<<"$uri" | head -n 1 || true)"
  echo "${uri:-http://deb.debian.org/debian}"
}

build_pgvector_from_source() {
  local mirror aptsrc=() dsc
  mirror="$(debian_mirror)"
  log "pgvector is not packaged for this release; building Debian's pgvector source from $SRC_SUITE ($mirror)"
  # deb-src only, in a file apt does not read by default: the machine's binary
  # package choices (and its normal `apt-get update`) are left untouched.
  printf '# written by tools/ci/setup-postgres.sh: pgvector source only\ndeb-src %s %s main\n' \
    "${mirror%/}" "$SRC_SUITE" >"$PRIVATE_SRC_LIST"
  aptsrc=(-o "Dir::Etc::sourcelist=$PRIVATE_SRC_LIST" -o "Dir::Etc::sourceparts=-"
          -o "APT::Get::List-Cleanup=0")

  apt_install "postgresql-server-dev-$PGV" build-essential dpkg-dev
  log "fetching the pgvector source package"
  run apt-get "${aptsrc[@]}" update -q
  WORKDIR="$(mktemp -d -t lgm-pgvector.XXXXXX)"
  # let apt's sandbox user write there (avoids the "unsandboxed as root" warning)
  chmod 755 "$WORKDIR"
  id _apt >/dev/null 2>&1 && chown _apt "$WORKDIR"
  cd "$WORKDIR"
  run apt-get "${aptsrc[@]}" source --download-only -q pgvector
  cd - >/dev/null
  dsc="$(ls "$WORKDIR"/pgvector_*.dsc 2>/dev/null | head -n 1 || true)"
  [[ -n "$dsc" ]] || die "apt-get source did not download pgvector (suite $SRC_SUITE)"
  log "unpacking $(basename "$dsc")"
  # apt already checked the files against the signed Sources index.
  run dpkg-source --no-check -x "$dsc" "$WORKDIR/src"
  log "building pgvector against PostgreSQL $PGV"
  run make -C "$WORKDIR/src" -j"$(nproc)" PG_CONFIG="$PG_CONFIG" OPTFLAGS=""
  run make -C "$WORKDIR/src" install PG_CONFIG="$PG_CONFIG" OPTFLAGS=""
}

PGVECTOR_SOURCE="already installed"
if [[ -f "$CONTROL" ]]; then
  log "pgvector already installed ($CONTROL)"
else
  apt_update_once
  if have_candidate "postgresql-$PGV-pgvector"; then
    apt_install "postgresql-$PGV-pgvector"
    PGVECTOR_SOURCE="Debian binary package postgresql-$PGV-pgvector"
  else
    build_pgvector_from_source
    PGVECTOR_SOURCE="built from Debian source package ($SRC_SUITE)"
  fi
  [[ -f "$CONTROL" ]] || die "pgvector install finished but $CONTROL is missing"
fi
PGVECTOR_VERSION="$(awk -F"'" '/^default_version/ {print $2}' "$CONTROL")"
log "pgvector $PGVECTOR_VERSION: $PGVECTOR_SOURCE"

# --- 3. role, database, extension --------------------------------------------
as_superuser() {  # as_superuser DB  (SQL on stdin)
  local db="$1"
  runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -p "$PORT" -d "$db" \
    -v u="$DB_USER" -v p="$DB_PASSWORD" -v db="$DB_NAME" -f - >>"$LOG" 2>&1 \
    || die "SQL as superuser on database '$db' failed"
}

if [[ "${LGM_DB_RESET:-0}" == "1" ]]; then
  # CI starts every run from an empty test database, whatever earlier runs left on this machine.
  log "dropping database '$DB_NAME' (LGM_DB_RESET=1)"
  as_superuser postgres <<'SQL'
SELECT format('DROP DATABASE IF EXISTS %I WITH (FORCE)', :'db') \gexec
SQL
fi

log "ensuring role '$DB_USER' and database '$DB_NAME'"
as_superuser postgres <<'SQL'
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'u', :'p')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'u') \gexec
SELECT format('ALTER ROLE %I WITH LOGIN NOSUPERUSER PASSWORD %L', :'u', :'p') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'u')
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db') \gexec
SELECT format('ALTER DATABASE %I OWNER TO %I', :'db', :'u') \gexec
SQL

log "ensuring extension 'vector' in '$DB_NAME'"
as_superuser "$DB_NAME" <<'SQL'
CREATE EXTENSION IF NOT EXISTS vector;
ALTER EXTENSION vector UPDATE;
SQL

# --- 4. verify as the test role over TCP with a password ---------------------
log "verifying as '$DB_USER' over TCP 127.0.0.1:$PORT"
verify_out="$(
  PGPASSWORD="$DB_PASSWORD" PGCONNECT_TIMEOUT=10 psql -X -q -A -t -v ON_ERROR_STOP=1 \
    -h 127.0.0.1 -p "$PORT" -U "$DB_USER" -d "$DB_NAME" 2>&1 <<'SQL'
SELECT 'select1=' || 1;
SELECT 'cosine=' || round(('[1,2,3]'::vector <=> '[1,2,4]'::vector)::numeric, 6);
CREATE TEMP TABLE lgm_setup_check (id int PRIMARY KEY, v vector(3));
INSERT INTO lgm_setup_check VALUES (1, '[1,2,3]'), (2, '[1,2,4]'), (3, '[-1,0,5]');
CREATE INDEX ON lgm_setup_check USING hnsw (v vector_cosine_ops);
SELECT 'nearest=' || id FROM lgm_setup_check ORDER BY v <=> '[1,2,3.1]' LIMIT 1;
SQL
)" || die "verification as '$DB_USER' on 127.0.0.1:$PORT failed:
$verify_out
(check /etc/postgresql/$PGV/$CLUSTER/pg_hba.conf allows 'host $DB_NAME $DB_USER 127.0.0.1/32 scram-sha-256' and listen_addresses includes localhost)"
grep -qx 'select1=1' <<<"$verify_out" || die "unexpected 'select 1' result: $verify_out"
grep -qE '^cosine=0\.0[0-9]+$' <<<"$verify_out" || die "unexpected cosine distance: $verify_out"
grep -qx 'nearest=1' <<<"$verify_out" || die "HNSW nearest-neighbour check failed: $verify_out"
log "ok: PostgreSQL $PGV, pgvector $PGVECTOR_VERSION, $(grep '^cosine=' <<<"$verify_out"), HNSW index ok"

printf 'TEST_DATABASE_URL=postgres://%s:%s@127.0.0.1:%s/%s\n' \
  "$DB_USER" "$DB_PASSWORD" "$PORT" "$DB_NAME" >&3
