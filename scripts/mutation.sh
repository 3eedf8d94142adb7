#!/usr/bin/env bash
# Mutation testing of one core module with mutmut (docs/testing.md).
#
#   scripts/mutation.sh MODULE TEST_PATH...
#   scripts/mutation.sh responses/mailing/sending.py tests/responses/mailing
#   MUTANTS='responses.reporting.imports.x__write*' scripts/mutation.sh ...
#
# MUTANTS (space-separated mutmut names, fnmatch patterns) restricts the run to
# some functions, or to the survivors of an earlier run (re-checked against the
# tests given here: a kill by any test set is a kill of the union).
# Runs in a throwaway copy of the work tree (mutmut writes ./mutants and its own
# config there), so the checkout stays clean. Uses the environment as given: with
# DB_ENGINE=postgresql etc. the PostgreSQL race tests take part, which is what
# kills the claim mutants. Prints surviving mutants and the score at the end.
# MUTATION_JOBS pytest sessions run at once; each takes its own PostgreSQL test
# database (scripts/mutation_db_slots.py), so one child's transactional tests never
# flush or fill the tables another child is counting.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
MODULE="$1"; shift
TESTS=("$@")
WORK="$(mktemp -d "${TMPDIR:-/tmp}/mutation.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
rsync -a --exclude .venv --exclude mutants --exclude .git --exclude '*.sqlite3' \
    --exclude __pycache__ "$ROOT/" "$WORK/"
cp "$ROOT/scripts/mutation_db_slots.py" "$WORK/tests/mutation_db_slots.py"
# pyproject's [tool.mutmut] would win over setup.cfg; the copy has none.
{
    echo "[mutmut]"
    echo "source_paths="
    for p in responses surveys municipalities vvsg_survey; do echo "    $p"; done
    echo "only_mutate=$MODULE"
    echo "also_copy="
    for p in tests templates static manage.py pyproject.toml; do echo "    $p"; done
    echo "pytest_add_cli_args_test_selection="
    for t in "${TESTS[@]}"; do echo "    $t"; done
    echo "pytest_add_cli_args="
    echo "    -p"
    echo "    no:cacheprovider"
    echo "    -x"
    echo "    -q"
    echo "    --reuse-db"
    echo "    -p"
    echo "    tests.mutation_db_slots"
} > "$WORK/setup.cfg"
cd "$WORK"
set -f  # MUTANTS holds patterns for mutmut, not for the shell
# shellcheck disable=SC2086 # MUTANTS is a list of patterns
"$ROOT/.venv/bin/mutmut" run --max-children "${MUTATION_JOBS:-2}" ${MUTANTS:-} || true
set +f
OUT="$ROOT/var/mutation-$(basename "$MODULE" .py)${MUTATION_TAG:+-$MUTATION_TAG}.txt"
mkdir -p "$ROOT/var"
"$ROOT/.venv/bin/mutmut" results --all true > "$OUT" 2>&1 || true
# The diff of every survivor, so each can be killed by a test or explained.
for name in $(grep -E '^    [^ ]+: survived' "$OUT" | sed 's/: survived//'); do
    "$ROOT/.venv/bin/mutmut" show "$name" >> "$OUT" 2>&1 || true
done
killed=$(grep -cE '^    [^ ]+: (killed|timeout)' "$OUT" || true)
# Mutants outside MUTANTS stay "not checked" and do not count.
total=$(grep -E '^    [^ ]+: ' "$OUT" | grep -cv ': not checked' || true)
echo "$MODULE: $killed of $total mutants killed" | tee -a "$OUT"
grep ': survived' "$OUT" || true
