#!/usr/bin/env bash
# The whole test suite: lint, plain-Python tests, then the addon installed in fresh
# databases and its Odoo tests, run twice: by odoo-bin's test runner and by pytest-odoo.
#
#   bash tools/test.sh            # everything
#   SKIP_LINT=1 bash tools/test.sh
#   ONLY_ODOO_BIN=1 bash tools/test.sh    # skip the pytest-odoo pass (quicker local loop)
#
# Needs: the packages of requirements-test.txt; for the Odoo part an installed Odoo 18
# (python3 -c 'import odoo'; as a package or as a source checkout: tools/odoo_env.py finds
# its addons, ODOO_ADDONS_PATH overrides) and a PostgreSQL server the current user can
# create databases on (.ci/run sets both up).
#
# Strict mode (CI=true, or ../shared/odoo-18.0 present): a run in which the Odoo tests did
# not run is a failure, and so is any skipped test.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 2
PYTHON=${PYTHON:-python3}
export PYTHON
ADDON=scrada_exact_bridge
failures=0
SHARED_DIR=${SCRADA_SHARED_DIR:-$ROOT/../shared}
STRICT=""
if [ "${CI:-}" = "true" ] || [ -d "$SHARED_DIR/odoo-18.0" ]; then STRICT=1; fi
export SCRADA_STRICT=${STRICT:-}

t_start=$(date +%s)
t_step=$t_start
step_name=""
end_step() {
    if [ -n "$step_name" ]; then
        printf '    (%s: %ss)\n' "$step_name" "$(($(date +%s) - t_step))"
    fi
}
step() { end_step; step_name="$*"; t_step=$(date +%s); printf '\n==> %s\n' "$*"; }
fail() { printf 'FAILED: %s\n' "$*"; failures=$((failures + 1)); }

if [ -z "${SKIP_LINT:-}" ]; then
    step "ruff"
    "$PYTHON" -m ruff check . || fail "ruff"
    "$PYTHON" -m ruff format --check --diff scrada_exact_bridge tests tools setup.py >/dev/null 2>&1 \
        || echo "(ruff format would reformat some files; not enforced)"
    step "pylint-odoo (Odoo checks)"
    "$PYTHON" -m pylint --rcfile=.pylintrc "$ADDON" || fail "pylint-odoo"
fi

# pytest summary line -> "N passed, N skipped" check (skips are failures in strict mode)
check_pytest_log() {
    local log=$1 label=$2
    local summary
    summary=$(grep -E "^(=+ )?[0-9]+ (passed|failed|error)" "$log" | tail -n 1)
    echo "$label: ${summary:-no summary line}"
    if [ -n "$STRICT" ] && echo "$summary" | grep -qE "[0-9]+ skipped"; then
        grep -E "^SKIPPED" "$log" | head -n 20
        fail "$label: tests were skipped in strict mode"
    fi
}

step "plain-Python tests (no Odoo needed)"
"$PYTHON" -m pytest -q -rs tests > "${TMPDIR:-/tmp}/seb-plain-$$.log" 2>&1
rc=$?
tail -n 15 "${TMPDIR:-/tmp}/seb-plain-$$.log"
[ $rc -eq 0 ] || fail "pytest tests (exit $rc)"
check_pytest_log "${TMPDIR:-/tmp}/seb-plain-$$.log" "plain tests"
if "$PYTHON" -c "import pytest_odoo" >/dev/null 2>&1; then
    step "plain-Python tests again without the pytest-odoo plugin"
    "$PYTHON" -m pytest -q -p no:odoo tests > "${TMPDIR:-/tmp}/seb-plain2-$$.log" 2>&1
    rc=$?
    tail -n 3 "${TMPDIR:-/tmp}/seb-plain2-$$.log"
    [ $rc -eq 0 ] || fail "pytest -p no:odoo tests (exit $rc)"
fi
rm -f "${TMPDIR:-/tmp}/seb-plain-$$.log" "${TMPDIR:-/tmp}/seb-plain2-$$.log"

if ! odoo_check=$("$PYTHON" tools/odoo_env.py check 2>&1); then
    echo
    if [ -n "$STRICT" ]; then
        fail "Odoo tests did not run: $odoo_check (strict mode: CI=true or $SHARED_DIR/odoo-18.0 exists)"
    else
        echo "SKIPPED: Odoo tests not run: Odoo 18 cannot be imported by $PYTHON ($odoo_check)."
    fi
else
    # ------------------------------------------------------------------
    # Odoo: install in fresh databases, run the addon's tests, uninstall.
    # ------------------------------------------------------------------
    echo "$odoo_check"
    ADDONS_PATH=$("$PYTHON" tools/odoo_env.py addons-path) || { fail "addons path"; ADDONS_PATH=$ROOT; }
    echo "addons path: $ADDONS_PATH"
    free_port() { "$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
    stamp="$(date +%s)_$$"
    DB_BE="seb_test_be_$stamp"
    DB_PY="seb_test_py_$stamp"
    DB_PLAIN="seb_test_plain_$stamp"
    LOGDIR=${LOGDIR:-$(mktemp -d)}
    FILESTORE="${ODOO_DATA_DIR:-$HOME/.local/share/Odoo}/filestore"
    cleanup() {
        for db in "$DB_BE" "$DB_PY" "$DB_PLAIN"; do
            dropdb --if-exists "$db" >/dev/null 2>&1
            rm -rf "${FILESTORE:?}/$db"
        done
    }
    trap cleanup EXIT
    ODOO=("$PYTHON" -m odoo)
    "$PYTHON" -c "import importlib.util as u; assert u.find_spec('odoo.__main__')" 2>/dev/null || ODOO=(odoo)
    odoo_cmd=("${ODOO[@]}" --addons-path="$ADDONS_PATH" --http-interface=127.0.0.1
              --without-demo=all --stop-after-init --max-cron-threads=0)

    # Odoo's standard modules are installed first without tests (a trimmed Odoo tree lacks
    # modules that some standard test packages import), then the addon with its tests.
    step "Odoo: Belgian accounting without tests ($DB_BE)"
    "${odoo_cmd[@]}" -d "$DB_BE" --http-port="$(free_port)" --log-level=warn \
        -i account,l10n_be,account_edi_ubl_cii > "$LOGDIR/odoo-base.log" 2>&1 \
        || { tail -n 40 "$LOGDIR/odoo-base.log"; fail "installing account, l10n_be"; }

    pytest_pid=""
    if [ -z "${ONLY_ODOO_BIN:-}" ]; then
        # A copy of that database for pytest-odoo, which runs beside odoo-bin (2 cores).
        step "pytest-odoo: copy of the database with the addon installed ($DB_PY)"
        if createdb -T "$DB_BE" "$DB_PY" && { [ ! -d "$FILESTORE/$DB_BE" ] || cp -a "$FILESTORE/$DB_BE" "$FILESTORE/$DB_PY"; } \
            && "${odoo_cmd[@]}" -d "$DB_PY" --http-port="$(free_port)" --log-level=warn -i $ADDON \
                > "$LOGDIR/odoo-py-install.log" 2>&1; then
            "$PYTHON" -m pytest -p no:cacheprovider -q -rs --odoo-database="$DB_PY" \
                --odoo-addons-path="$ADDONS_PATH" --odoo-http --odoo-log-level=warn \
                "$ADDON/tests" > "$LOGDIR/pytest-odoo.log" 2>&1 &
            pytest_pid=$!
        else
            tail -n 40 "$LOGDIR/odoo-py-install.log"
            fail "pytest-odoo: database copy or install"
        fi
    fi

    step "Odoo: install the addon and run its tests with odoo-bin ($DB_BE)"
    "${odoo_cmd[@]}" -d "$DB_BE" --http-port="$(free_port)" --log-level=test \
        -i $ADDON --test-tags "/$ADDON" > "$LOGDIR/odoo-tests.log" 2>&1
    rc=$?
    grep -E "(ERROR|CRITICAL|FAIL:|Ran |tests in|of [0-9]+ tests)" "$LOGDIR/odoo-tests.log" | tail -n 60
    summary=$(grep -Eo "[0-9]+ failed, [0-9]+ error\(s\) of [0-9]+ tests" "$LOGDIR/odoo-tests.log" | tail -n 1)
    if [ $rc -ne 0 ] || grep -qE " (ERROR|CRITICAL) " "$LOGDIR/odoo-tests.log" || [ -z "$summary" ]; then
        fail "Odoo tests (exit $rc; full log: $LOGDIR/odoo-tests.log)"
        tail -n 80 "$LOGDIR/odoo-tests.log"
    fi
    if [ -n "$summary" ]; then
        read -r n_failed _ n_errors _ _ n_total _ <<<"$summary"
        n_bad=$((n_failed + n_errors))
        # odoo.tests.result logs "<logger>: skipped <test> : <reason>" for each skip
        n_skipped=$(grep -cE ": skipped " "$LOGDIR/odoo-tests.log" || true)
        echo "odoo: $((n_total - n_bad)) passed, $n_bad failed, $n_skipped skipped (odoo-bin runner)"
        if [ -n "$STRICT" ] && [ "$n_skipped" -gt 0 ]; then
            grep -E ": skipped " "$LOGDIR/odoo-tests.log" | head -n 20
            fail "Odoo tests were skipped in strict mode"
        fi
    fi

    if [ -n "$pytest_pid" ]; then
        step "pytest-odoo: the addon's tests (pytest --odoo-database=$DB_PY $ADDON/tests)"
        wait "$pytest_pid"
        rc=$?
        grep -E "^(FAILED|ERROR)" "$LOGDIR/pytest-odoo.log" | head -n 40
        tail -n 5 "$LOGDIR/pytest-odoo.log"
        [ $rc -eq 0 ] || fail "pytest-odoo (exit $rc; full log: $LOGDIR/pytest-odoo.log)"
        check_pytest_log "$LOGDIR/pytest-odoo.log" "pytest-odoo"
    fi

    step "Odoo: the committed .pot holds every translatable string of the code"
    "${odoo_cmd[@]}" -d "$DB_BE" --http-port="$(free_port)" --log-level=warn \
        --i18n-export="$LOGDIR/current.pot" --modules=$ADDON > "$LOGDIR/odoo-pot.log" 2>&1
    "$PYTHON" - "$LOGDIR/current.pot" "$ADDON/i18n/$ADDON.pot" <<'PY' || fail "i18n/$ADDON.pot is out of date (tools/update_translations.sh)"
import sys
import polib
current, committed = ({e.msgid for e in polib.pofile(path)} for path in sys.argv[1:3])
missing = sorted(current - committed)
for msgid in missing:
    print("not in the .pot:", msgid[:100])
sys.exit(1 if missing else 0)
PY

    step "Odoo: install without l10n_be, then uninstall ($DB_PLAIN)"
    "${odoo_cmd[@]}" -d "$DB_PLAIN" --http-port="$(free_port)" --log-level=warn -i $ADDON \
        > "$LOGDIR/odoo-plain.log" 2>&1 || fail "install without l10n_be"
    uninstall_out=$(printf '%s\n' \
        "module = env['ir.module.module'].search([('name', '=', '$ADDON')])" \
        "module.button_immediate_uninstall()" \
        "env.cr.commit()" \
        "print('UNINSTALL-STATE', module.state, 'deliveries-model' if 'exact.mailbox.delivery' in env else 'no-deliveries-model')" \
        | "${ODOO[@]}" shell --addons-path="$ADDONS_PATH" -d "$DB_PLAIN" --no-http --log-level=warn 2>>"$LOGDIR/odoo-plain.log")
    echo "$uninstall_out" | grep UNINSTALL-STATE
    echo "$uninstall_out" | grep -q "UNINSTALL-STATE uninstalled" || fail "uninstall"
fi

end_step
echo
echo "tools/test.sh: $(($(date +%s) - t_start))s in all"
if [ $failures -ne 0 ]; then
    echo "tools/test.sh: $failures step(s) failed"
    exit 1
fi
echo "tools/test.sh: all steps passed"
