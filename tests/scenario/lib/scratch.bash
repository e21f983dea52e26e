# Scratch folder of a scenario test (sourced, not a test itself: the build
# registers only tests/scenario/*.sh). `scratch_new NAME` makes a fresh
# folder $TMPDIR/chainsim-test-NAME.XXXXXX (TMPDIR defaults to /tmp), sets
# $scratch to it and installs an EXIT trap: when the script exits 0 (or 77,
# skipped) the folder is removed; on any other status it is kept and its
# path printed, so a failure can be looked at. A script that has more to
# undo at exit (a server to stop) puts it in the function scratch_before_exit,
# which the trap runs first.
scratch_new() { # name
    scratch=$(mktemp -d "${TMPDIR:-/tmp}/chainsim-test-$1.XXXXXX") ||
        { echo "FAIL: cannot make a scratch folder in ${TMPDIR:-/tmp}"; exit 1; }
    trap scratch_exit EXIT
}

scratch_exit() {
    local rc=$?
    if declare -F scratch_before_exit >/dev/null; then
        scratch_before_exit
    fi
    if [ "$rc" -eq 0 ] || [ "$rc" -eq 77 ]; then
        chmod -R u+rwx "$scratch" 2>/dev/null
        rm -rf "$scratch"
    else
        echo "test failed (exit $rc): its scratch files are kept in $scratch"
    fi
    exit "$rc"
}
